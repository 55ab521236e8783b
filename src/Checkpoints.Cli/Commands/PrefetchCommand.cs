using System.CommandLine;
using Checkpoints.Cli.Infrastructure;
using Checkpoints.Cli.Output;
using Spectre.Console;

namespace Checkpoints.Cli.Commands;

/// <summary>
/// <c>ckpt prefetch PATH</c>: warms the page cache for another program (an inference server started next), like
/// <c>vmtouch -t</c> but with parallel block reads, and stopping where the memory budget ends. With <c>--background</c>,
/// the same prefetch runs detached (see <see cref="DetachedPrefetch"/>), its outcome in a status file <c>ckpt wait</c> reads.
/// </summary>
internal static class PrefetchCommand
{
    public static Command Create(CliConsole console, TerminationSignals? signals)
    {
        var path = CommonOptions.CheckpointPath();
        var json = CommonOptions.Json();
        var progress = ProgressOption.Create("standard output (not with --json, which writes there too)");
        var background = new Option<bool>("--background")
        {
            Description = "Run the prefetch as a detached process (a session of its own, input from /dev/null, output to the status file's path + .log); " +
                "print its pid, status file and log, and return at once. 'ckpt wait STATUS' waits for it.",
        };
        var status = new Option<string?>("--status")
        {
            Description = "Write the prefetch's state (running, succeeded, failed), pid, exit code, bytes and seconds to this JSON file, replaced whole at each change " +
                "(with --background, by default a new file in the temporary folder).",
            HelpName = "file",
        };
        var load = new LoadOptionsBinding();
        var command = new Command("prefetch", "Warm the page cache with a checkpoint's files for a program started next: parallel block reads, within the memory budget.")
        {
            path, json, progress, background, status,
        };
        load.AddTo(command, withStrategy: false);
        command.Validators.Add(result =>
        {
            // Tokens, not values: a validator runs even when a value failed to parse (see LoadOptionsBinding.AddTo).
            if (result.GetResult(json) is not null && result.GetResult(progress) is { Tokens: [{ Value: var format }] } && format.Trim().Equals("json", StringComparison.OrdinalIgnoreCase))
            {
                result.AddError("--json and --progress json both write to standard output: use one (the result event of --progress json carries the same numbers)");
            }
        });

        command.SetAction((result, cancellationToken) =>
        {
            if (result.GetValue(background))
            {
                var statusPath = result.GetValue(status) ?? DetachedPrefetch.DefaultStatusPath();
                string[] arguments = [.. ArgumentsWithout(result, background), .. result.GetValue(status) is null ? new[] { "--status", statusPath } : []];
                return CommandErrors.RunAsync(console, token => DetachedPrefetch.StartAsync(console, arguments, statusPath, token), cancellationToken);
            }

            var run = new Run(console, result, path, json, load, result.GetValue(status), signals,
                result.GetValue(progress) == ProgressFormat.Json ? new EventStream(console.OutWriter) : null);
            return CommandErrors.RunAsync(console, run.WarmAsync, run.Ended, cancellationToken);
        });
        return command;
    }

    /// <summary>The command line as given, but <paramref name="option"/> (and its value, if one was written): what the detached copy runs.</summary>
    private static IEnumerable<string> ArgumentsWithout(ParseResult result, Option option)
    {
        var valueTokens = result.GetResult(option)?.Tokens.Count ?? 0;
        var skip = 0;
        foreach (var token in result.Tokens)
        {
            if (skip > 0)
            {
                skip--;
                continue;
            }

            if (token.Type == System.CommandLine.Parsing.TokenType.Option && (option.Name == token.Value || option.Aliases.Contains(token.Value)))
            {
                skip = valueTokens;
                continue;
            }

            yield return token.Value;
        }
    }

    /// <summary>One prefetch in the foreground, with its status file and events.</summary>
    private sealed class Run(CliConsole console, ParseResult result, Argument<string> path, Option<bool> json, LoadOptionsBinding load, string? statusPath,
        TerminationSignals? signals, EventStream? events)
    {
        private readonly Prefetching _prefetching = new(events);
        private WarmReport? _report;
        private bool _statusFailed;

        private string Checkpoint => result.GetRequiredValue(path);

        public async Task<int> WarmAsync(CancellationToken token)
        {
            // "running" before any work, so that a waiter finds this process at once; a status that cannot be written is a failure.
            WriteStatus(StatusDocument.Running, exitCode: null, message: null, throwOnFailure: true);
            var verbose = result.GetValue(CommonOptions.Verbose);
            using (var logging = events is null ? CliLogging.Create(verbose) : CliLogging.ToEvents(events, verbose))
            {
                _report = await _prefetching.RunAsync(Checkpoint, load.Bind(result, strategyMatters: false), logging.CreateLogger("ckpt"), token).ConfigureAwait(false);
            }

            var report = _report;
            var seconds = _prefetching.Elapsed.TotalSeconds;
            if (events is not null)
            {
                return ExitCodes.Success; // The result event says it all (Ended).
            }

            if (result.GetValue(json))
            {
                Json.Write(console.OutWriter, PrefetchDocument.From(report.BytesRead, report.BytesPlanned, report.BytesFoundCached, seconds, report.Plan), CliJsonContext.Readable.PrefetchDocument);
                return ExitCodes.Success;
            }

            console.Out.MarkupLineInterpolated($"{PrefetchSummary.Warmed(report.BytesRead, report.BytesPlanned, seconds, report.Plan.Threads)}");
            if (PrefetchSummary.AlreadyCached(report.BytesFoundCached) is { } cached)
            {
                console.Out.MarkupLineInterpolated($"{cached}");
            }

            if (PrefetchSummary.StoppedAtBudget(report) is var (headline, rest))
            {
                console.Out.MarkupLineInterpolated($"[yellow]{headline}[/] {rest}");
            }

            return ExitCodes.Success;
        }

        /// <summary>The command has ended (<paramref name="exitCode"/>, and the line said about a failure): the result event, the final status.</summary>
        public void Ended(int exitCode, string? message)
        {
            // A cancelled prefetch ends with the signal's code (143 for SIGTERM), as the process will.
            message = message is not null && message.StartsWith("error: ", StringComparison.Ordinal) ? message["error: ".Length..] : message;
            var processExitCode = signals?.ExitCode(exitCode) ?? exitCode;
            var bytes = _report?.BytesRead ?? _prefetching.BytesDone;
            var seconds = _prefetching.Elapsed.TotalSeconds;
            events?.Result(new ResultEvent(processExitCode == 0, processExitCode, bytes, seconds, bytes / Math.Max(seconds, 1e-9), message)
            {
                BytesPlanned = _report?.BytesPlanned ?? _prefetching.BytesTotal,
                BytesAlreadyCached = _report?.BytesFoundCached,
            });
            WriteStatus(processExitCode == 0 ? StatusDocument.Succeeded : StatusDocument.Failed, processExitCode, message, throwOnFailure: false);
        }

        private void WriteStatus(string state, int? exitCode, string? message, bool throwOnFailure)
        {
            if (statusPath is null || _statusFailed)
            {
                return;
            }

            var seconds = _prefetching.Elapsed.TotalSeconds;
            var document = new StatusDocument(state, Environment.ProcessId, StatusFile.StartTimeOf(Environment.ProcessId), exitCode,
                _report?.BytesRead ?? _prefetching.BytesDone, _report?.BytesPlanned ?? _prefetching.BytesTotal, seconds, message, Checkpoint,
                DetachedPrefetch.IsDetached ? DetachedPrefetch.LogOf(statusPath) : null, StatusFile.Now());
            try
            {
                StatusFile.Write(statusPath, document);
            }
            catch (IOException exception) when (!throwOnFailure)
            {
                console.Error.WriteLine($"ckpt: error: {exception.Message}");
            }
            catch (IOException)
            {
                // Said once, by the command's own error handling; the final status would fail the same way.
                _statusFailed = true;
                throw;
            }
        }
    }
}
