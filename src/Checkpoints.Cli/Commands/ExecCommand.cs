using System.CommandLine;
using System.Diagnostics;
using Checkpoints.Cli.Infrastructure;
using Checkpoints.Cli.Output;
using Checkpoints.Loading.Planning;

namespace Checkpoints.Cli.Commands;

/// <summary>
/// <c>ckpt exec MODEL [options] -- CMD ARGS...</c>: starts an inference server (any command) and, beside it, the same
/// prefetch as <c>ckpt prefetch</c>, so the server's cold start reads from the page cache as the prefetch fills it. The
/// server gets ckpt's own standard streams; ckpt says what it does on standard error (or <c>--log</c>), never on
/// standard output. The prefetch stops when the server exits; signals go to the server; ckpt exits as the server did.
/// </summary>
/// <remarks>
/// A prefetch that fails (a model that is not there, a broken shard) is a warning, and the server runs anyway: it is
/// only an optimisation, and an operator would rather have a slow start than none (the server will say what is wrong
/// with its model in its own terms).
/// </remarks>
internal static class ExecCommand
{
    /// <summary>How long the prefetch may take to stop once the server has exited: its workers stop within a block.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    public static Command Create(CliConsole console, TerminationSignals? signals)
    {
        var path = CommonOptions.CheckpointPath();
        var progress = ProgressOption.Create("standard error (or --log)");
        var log = new Option<string?>("--log")
        {
            Description = "Append ckpt's own lines (warnings, the prefetch's result, --progress json events) to this file instead of standard error.",
            HelpName = "file",
        };
        var commandLine = new Argument<string[]>("command")
        {
            Description = "After --: the command to run (found on PATH as a shell would) and its arguments.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var load = new LoadOptionsBinding();
        var command = new Command("exec", "Run a command (an inference server) with the checkpoint prefetched beside it; ckpt exits with the command's status.")
        {
            path, progress, log, commandLine,
        };
        load.AddTo(command, withStrategy: false);

        command.SetAction((result, cancellationToken) => CommandErrors.RunAsync(console, async token =>
        {
            var words = result.GetValue(commandLine) ?? [];
            if (!result.Tokens.Any(static token => token.Type == System.CommandLine.Parsing.TokenType.DoubleDash) || words.Length == 0)
            {
                throw new UsageException(words.Length == 0
                    ? "exec: no command to run: write it after --, as in 'ckpt exec MODEL -- python -m server --port 8000'"
                    : $"exec: write the command after --, as in 'ckpt exec MODEL -- {string.Join(' ', words)}' (so that its options are not taken for ckpt's)");
            }

            string program;
            try
            {
                program = ChildCommand.Resolve(words[0]);
            }
            catch (CannotStartException exception)
            {
                await console.Error.WriteLineAsync($"ckpt: error: {exception.Message}").ConfigureAwait(false);
                return exception.ExitCode;
            }

            var options = load.Bind(result, strategyMatters: false);
            token.ThrowIfCancellationRequested();
            await using var output = await OpenOutputAsync(console, result.GetValue(log)).ConfigureAwait(false);
            return await RunAsync(console, output.Writer, program, words[1..], result.GetRequiredValue(path), options,
                result.GetValue(progress), result.GetValue(CommonOptions.Verbose), signals, token).ConfigureAwait(false);
        }, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliConsole console, TextWriter output, string program, string[] arguments, string checkpoint,
        LoadOptions options, ProgressFormat format, bool verbose, TerminationSignals? signals, CancellationToken token)
    {
        // The signals are the command's from before it starts: one that came in between must not end ckpt alone.
        var forwarded = new ChildSignals();
        using var forwarding = signals?.ForwardTo(forwarded.Forward);
        Process child;
        try
        {
            child = ChildCommand.Start(program, arguments);
        }
        catch (CannotStartException exception)
        {
            await console.Error.WriteLineAsync($"ckpt: error: {exception.Message}").ConfigureAwait(false);
            return exception.ExitCode;
        }

        forwarded.Started(child);
        var clock = Stopwatch.StartNew();
        using (child)
        using (var stop = CancellationTokenSource.CreateLinkedTokenSource(token))
        {
            var events = format == ProgressFormat.Json ? new EventStream(output) : null;
            var prefetching = new Prefetching(events);
            var prefetch = Task.Run(() => PrefetchAsync(prefetching, checkpoint, options, output, events, verbose, stop.Token), CancellationToken.None);

            await child.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            forwarded.Exited();
            await stop.CancelAsync().ConfigureAwait(false);
            // Bounded: a worker stuck in a read of a hung network mount is left behind (the process exits without it).
            await ((Task)prefetch).WaitAsync(StopTimeout, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            var state = prefetch.IsCompletedSuccessfully ? prefetch.Result : "cancelled";
            var exitCode = child.ExitCode;
            var seconds = prefetching.Elapsed.TotalSeconds;
            events?.Result(new ResultEvent(exitCode == 0, exitCode, prefetching.BytesDone, clock.Elapsed.TotalSeconds, prefetching.BytesDone / Math.Max(seconds, 1e-9), null)
            {
                Prefetch = state,
            });
            return exitCode;
        }
    }

    /// <summary>The prefetch beside the command; never throws: what happened is said on the output. Returns its state (done, budget, cancelled, failed).</summary>
    private static async Task<string> PrefetchAsync(Prefetching prefetching, string checkpoint, LoadOptions options, TextWriter output,
        EventStream? events, bool verbose, CancellationToken token)
    {
        using var logging = events is null ? CliLogging.ToLines(output, verbose) : CliLogging.ToEvents(events, verbose);
        string state;
        string? message = null;
        WarmReport? report = null;
        try
        {
            report = await prefetching.RunAsync(checkpoint, options, logging.CreateLogger("ckpt"), token).ConfigureAwait(false);
            state = PrefetchSummary.StoppedShort(report) ? "budget" : "done";
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            state = "cancelled";
        }
        catch (Exception exception)
        {
            // Any failure, a bug included: the prefetch is an optimisation, and the command runs on without it.
            state = "failed";
            message = exception is OutOfMemoryException or not (IOException or UnauthorizedAccessException or ArgumentException)
                ? $"{exception.GetType().Name}: {exception.Message}"
                : CommandErrors.Describe(exception);
        }

        var seconds = prefetching.Elapsed.TotalSeconds;
        var bytes = report?.BytesRead ?? prefetching.BytesDone;
        var planned = report?.BytesPlanned ?? prefetching.BytesTotal;
        if (events is not null)
        {
            if (message is not null)
            {
                events.Warning($"the prefetch failed, the command runs without it: {message}");
            }

            events.Write(new PrefetchDoneEvent(state is "done" or "budget", state, bytes, planned, seconds, bytes / Math.Max(seconds, 1e-9), message),
                EventJsonContext.Readable.PrefetchDoneEvent);
            return state;
        }

        var line = state switch
        {
            "failed" => $"ckpt: warning: the prefetch failed, the command runs without it: {message}",
            "cancelled" => $"ckpt: prefetch stopped (the command exited, or a signal came): {PrefetchSummary.Warmed(bytes, planned, seconds, readers: null)}",
            _ => $"ckpt: prefetch done: {PrefetchSummary.Warmed(bytes, planned, seconds, report!.Plan.Threads)}"
                + (PrefetchSummary.AlreadyCached(report.BytesFoundCached) is { } cached ? $"; {cached}" : string.Empty)
                + (PrefetchSummary.StoppedAtBudget(report) is var (headline, rest) ? $"; {headline} {rest}" : string.Empty),
        };
        output.Write(line + "\n");
        return state;
    }

    /// <summary>Where ckpt's own lines go: the --log file (appended), else standard error; one line per write, from any thread.</summary>
    private static async Task<Output> OpenOutputAsync(CliConsole console, string? log)
    {
        if (log is null)
        {
            return new Output(TextWriter.Synchronized(console.Error), null);
        }

        try
        {
            var file = new StreamWriter(new FileStream(log, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
            return new Output(TextWriter.Synchronized(new TerminalSafeWriter(file)), file);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Like a failed prefetch, a log that cannot be opened is no reason not to start the server.
            await console.Error.WriteLineAsync($"ckpt: warning: --log {log}: cannot write it ({CommandErrors.Describe(exception)}); writing to standard error instead").ConfigureAwait(false);
            return new Output(TextWriter.Synchronized(console.Error), null);
        }
    }

    private sealed record Output(TextWriter Writer, StreamWriter? File) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (File is not null)
            {
                await File.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
