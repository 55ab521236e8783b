using System.CommandLine;
using System.Diagnostics;
using Checkpoints.Cli.Infrastructure;
using Checkpoints.Cli.Output;
using Checkpoints.Loading.Planning;
using Checkpoints.Synthesis;
using Checkpoints.Units;
using Spectre.Console;

namespace Checkpoints.Cli.Commands;

/// <summary>
/// <c>ckpt load PATH</c>: reads every byte of every tensor (folded into a digest, so nothing can be skipped) the way
/// an inference server would, and reports the plan, the time, the throughput and the peak memory.
/// </summary>
internal static class LoadCommand
{
    public static Command Create(CliConsole console)
    {
        var path = CommonOptions.CheckpointPath();
        var json = CommonOptions.Json();
        var load = new LoadOptionsBinding();
        var memorySpeed = new Option<bool>("--memory-speed")
        {
            Description = "Also measure the digest over bytes already in memory (up to 1 GiB), the ceiling for a load of cached data.",
        };
        var progress = ProgressOption.Create("standard output (not with --json, which writes there too)");
        var command = new Command("load", "Read every tensor of a checkpoint as planned, and report the plan, time, throughput and peak memory.") { path, json, memorySpeed, progress };
        load.AddTo(command);
        command.Validators.Add(result =>
        {
            if (result.GetResult(json) is not null && result.GetResult(progress) is { Tokens: [{ Value: var format }] } && format.Trim().Equals("json", StringComparison.OrdinalIgnoreCase))
            {
                result.AddError("--json and --progress json both write to standard output: use one (the result event of --progress json carries the bytes, time and digest)");
            }
        });

        command.SetAction((result, cancellationToken) =>
        {
            var events = result.GetValue(progress) == ProgressFormat.Json ? new EventStream(console.OutWriter) : null;
            var started = Stopwatch.StartNew();
            Outcome? outcome = null;
            return CommandErrors.RunAsync(console, token =>
            {
                outcome = Execute(console, result, path, json, memorySpeed, load, events, token);
                return Task.FromResult(ExitCodes.Success);
            }, (exitCode, message) =>
            {
                // The last event, also when the load failed: what a program reading the events waits for.
                var bytes = outcome?.Bytes ?? 0;
                var seconds = outcome?.Total.TotalSeconds ?? started.Elapsed.TotalSeconds;
                events?.Result(new ResultEvent(exitCode == 0, exitCode, bytes, seconds, bytes / Math.Max(seconds, 1e-9), message)
                {
                    Digest = outcome?.Digest.ToString("x16", System.Globalization.CultureInfo.InvariantCulture),
                });
            }, cancellationToken);
        });
        return command;
    }

    private static Outcome Execute(CliConsole console, ParseResult result, Argument<string> path, Option<bool> json, Option<bool> memorySpeed, LoadOptionsBinding load,
        EventStream? events, CancellationToken token)
    {
        Outcome outcome;
        var showProgress = console.IsInteractive && !result.GetValue(json) && events is null;
        var verbose = result.GetValue(CommonOptions.Verbose);
        // Disposing the log flushes it, so its lines never interleave with the report below.
        using (var logging = events is null ? CliLogging.Create(verbose) : CliLogging.ToEvents(events, verbose))
        {
            var options = load.Bind(result);
            outcome = Run(result.GetRequiredValue(path), options, logging, events is not null
                ? (checkpoint, read) =>
                {
                    events.Write(PlanEvent.From(checkpoint.Plan, checkpoint.SelectedTensorBytes), EventJsonContext.Readable.PlanEvent);
                    var loading = new LoadEvents(events, checkpoint);
                    loading.Start();
                    return read(loading.Read);
                }
            : showProgress
                ? (checkpoint, read) =>
                {
                    // A person at a terminal sees what will be done before the bar that shows it being done.
                    console.OutWriter.Write(FlagTerms.Translate(checkpoint.Plan.ToString()));
                    console.OutWriter.Flush();
                    return WithProgressBar(console, read, checkpoint.SelectedTensorBytes);
                }
            : null, token);
        }

        if (result.GetValue(memorySpeed))
        {
            outcome = outcome with { InMemoryBytesPerSecond = ContentDigest.MeasureInMemoryRate(outcome.Bytes) };
        }

        if (events is not null)
        {
            return outcome; // The result event says it (written when the command ends).
        }

        if (result.GetValue(json))
        {
            WriteJson(console, outcome);
        }
        else
        {
            WriteText(console, outcome, planShown: showProgress);
        }

        return outcome;
    }

    internal sealed record Outcome(LoadPlan Plan, TimeSpan Open, TimeSpan Total, long Bytes, ulong Digest, long PeakRssBytes, long PrefetchedBytes, TimeSpan CpuTime)
    {
        public double? InMemoryBytesPerSecond { get; init; }
    }

    /// <summary>How the tensors are read once the checkpoint is open: given the checkpoint and the read (which reports bytes done), returns the digest and bytes.</summary>
    private delegate (ulong Digest, long Bytes) ReadWith(Checkpoint checkpoint, Func<Action<long>?, (ulong Digest, long Bytes)> read);

    private static Outcome Run(string path, LoadOptions options, Microsoft.Extensions.Logging.ILoggerFactory logging, ReadWith? readWith, CancellationToken cancellationToken)
    {
        ContentDigest.Prepare();
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        long prefetched = 0;
        options = options with
        {
            // Workers report concurrently, so a later report can carry a smaller number: keep the largest.
            Progress = new Callback(report =>
            {
                var seen = Interlocked.Read(ref prefetched);
                while (report.BytesDone > seen && Interlocked.CompareExchange(ref prefetched, report.BytesDone, seen) != seen)
                {
                    seen = Interlocked.Read(ref prefetched);
                }
            }),
        };
        using var checkpoint = Checkpoint.Open(path, options, logging.CreateLogger("ckpt"), cancellationToken);
        var opened = stopwatch.Elapsed;
        (ulong Digest, long Bytes) Read(Action<long>? progress) => ContentDigest.Compute(checkpoint, progress, cancellationToken);
        var (digest, bytes) = readWith is null ? Read(null) : readWith(checkpoint, Read);
        var elapsed = stopwatch.Elapsed;
        process.Refresh();
        return new Outcome(checkpoint.Plan, opened, elapsed, bytes, digest, process.PeakWorkingSet64, Interlocked.Read(ref prefetched),
            process.TotalProcessorTime - cpuBefore);
    }

    private static (ulong Digest, long Bytes) WithProgressBar(CliConsole console, Func<Action<long>?, (ulong Digest, long Bytes)> read, long total)
    {
        (ulong Digest, long Bytes) outcome = default;
        console.Out.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn())
            .Start(context =>
            {
                var task = context.AddTask("reading tensors", maxValue: Math.Max(total, 1));
                outcome = read(done => task.Value = done);
            });
        return outcome;
    }

    private static void WriteText(CliConsole console, Outcome outcome, bool planShown)
    {
        if (!planShown)
        {
            console.OutWriter.Write(FlagTerms.Translate(outcome.Plan.ToString()));
        }

        var seconds = outcome.Total.TotalSeconds;
        console.Out.MarkupLineInterpolated(
            $"read {ByteSize.Format(outcome.Bytes)} in {seconds:0.000} s ({ByteSize.FormatRate(outcome.Bytes / Math.Max(seconds, 1e-9))}); open {outcome.Open.TotalMilliseconds:0} ms; CPU {outcome.CpuTime.TotalSeconds:0.00} s; peak memory {ByteSize.Format(outcome.PeakRssBytes)}; digest {outcome.Digest:x16}");
        if (outcome.InMemoryBytesPerSecond is { } rate)
        {
            var reading = outcome.Bytes / Math.Max((outcome.Total - outcome.Open).TotalSeconds, 1e-9);
            console.Out.MarkupLineInterpolated($"digest over bytes in memory: {ByteSize.FormatRate(rate)}; reading after open ran at {reading / rate:0%} of it");
        }
    }

    private static void WriteJson(CliConsole console, Outcome outcome) =>
        Json.Write(console.OutWriter, LoadDocument.From(outcome), CliJsonContext.Readable.LoadDocument);

    /// <summary>An IProgress that runs on the reporting thread (Progress&lt;T&gt; would post to a context there is none of).</summary>
    private sealed class Callback(Action<PrefetchProgress> report) : IProgress<PrefetchProgress>
    {
        public void Report(PrefetchProgress value) => report(value);
    }
}
