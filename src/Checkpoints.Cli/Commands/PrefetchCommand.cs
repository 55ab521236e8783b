using System.CommandLine;
using System.Diagnostics;
using Checkpoints.Cli.Infrastructure;
using Checkpoints.Cli.Output;
using Checkpoints.Units;
using Spectre.Console;

namespace Checkpoints.Cli.Commands;

/// <summary>
/// <c>ckpt prefetch PATH</c>: warms the page cache for another program (an inference server started next), like
/// <c>vmtouch -t</c> but with parallel block reads, and stopping where the memory budget ends.
/// </summary>
internal static class PrefetchCommand
{
    public static Command Create(CliConsole console)
    {
        var path = CommonOptions.CheckpointPath();
        var json = CommonOptions.Json();
        var load = new LoadOptionsBinding();
        var command = new Command("prefetch", "Warm the page cache with a checkpoint's files for a program started next: parallel block reads, within the memory budget.") { path, json };
        load.AddTo(command, withStrategy: false);

        command.SetAction((result, cancellationToken) => CommandErrors.RunAsync(console, async token =>
        {
            var stopwatch = Stopwatch.StartNew();
            WarmReport report;
            using (var logging = CliLogging.Create(result.GetValue(CommonOptions.Verbose)))
            {
                report = await CheckpointCache.WarmAsync(result.GetRequiredValue(path), load.Bind(result, strategyMatters: false), logging.CreateLogger("ckpt"), token).ConfigureAwait(false);
            }

            var (plan, read, planned, alreadyCached) = (report.Plan, report.BytesRead, report.BytesPlanned, report.BytesFoundCached);

            var seconds = stopwatch.Elapsed.TotalSeconds;
            if (result.GetValue(json))
            {
                Json.Write(console.OutWriter, PrefetchDocument.From(read, planned, alreadyCached, seconds, plan), CliJsonContext.Readable.PrefetchDocument);
                return ExitCodes.Success;
            }

            console.Out.MarkupLineInterpolated(
                $"warmed {ByteSize.Format(read)} of {ByteSize.Format(planned)} in {seconds:0.00} s ({ByteSize.FormatRate(read / Math.Max(seconds, 1e-9))}) with {plan.Threads} readers");
            if (alreadyCached > 0)
            {
                // Not read here, yet cached: said apart, so "warmed less than planned" is not mistaken for a shortfall.
                console.Out.MarkupLineInterpolated(
                    $"{ByteSize.Format(alreadyCached)} not read: files another process on this node was warming were already in the page cache");
            }

            if (read < planned && plan.WindowBytes is not null)
            {
                var budget = plan.BudgetBytes is { } bytes ? ByteSize.Format(bytes) : "unknown memory";
                console.Out.MarkupLineInterpolated(
                    $"[yellow]stopped at the memory budget ({budget}):[/] the rest would evict what was just warmed; a loader's own prefetch reads it as it goes");
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
