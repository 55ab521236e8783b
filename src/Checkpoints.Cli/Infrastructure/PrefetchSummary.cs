using Checkpoints.Units;

namespace Checkpoints.Cli.Infrastructure;

/// <summary>What a finished prefetch did, in the words <c>ckpt prefetch</c>, <c>ckpt exec</c> and <c>ckpt wait</c> share.</summary>
internal static class PrefetchSummary
{
    public static string Warmed(long read, long planned, double seconds, int? readers) =>
        $"warmed {ByteSize.Format(read)} of {ByteSize.Format(planned)} in {seconds:0.00} s ({ByteSize.FormatRate(read / Math.Max(seconds, 1e-9))})" +
        (readers is { } threads ? $" with {threads} readers" : string.Empty);

    // Not read here, yet cached: said apart, so "warmed less than planned" is not mistaken for a shortfall.
    public static string? AlreadyCached(long alreadyCached) => alreadyCached > 0
        ? $"{ByteSize.Format(alreadyCached)} not read: bytes another process on this node was warming were already in the page cache"
        : null;

    public static (string Headline, string Advice)? StoppedAtBudget(WarmReport report)
    {
        if (report.BytesRead >= report.BytesPlanned || report.Plan.WindowBytes is null)
        {
            return null;
        }

        var budget = report.Plan.BudgetBytes is { } bytes ? ByteSize.Format(bytes) : "unknown memory";
        return ($"stopped at the memory budget ({budget}):", "the rest would evict what was just warmed; a loader's own prefetch reads it as it goes");
    }

    /// <summary>Whether the warm stopped short at the memory budget (the "budget" state of events and status files).</summary>
    public static bool StoppedShort(WarmReport report) => StoppedAtBudget(report) is not null;
}
