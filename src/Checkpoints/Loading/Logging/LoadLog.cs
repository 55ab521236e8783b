using Checkpoints.Loading.Planning;
using Checkpoints.Units;
using Microsoft.Extensions.Logging;

namespace Checkpoints.Loading.Logging;

/// <summary>
/// Every message the loader logs, once per decision. The public methods take raw numbers and format them only
/// when the level is enabled; the source-generated ones below do the logging.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1873:Avoid potentially expensive logging",
    Justification = "Each public method formats its arguments only after checking that its level is enabled.")]
internal static partial class LoadLog
{
    public static void Opening(ILogger logger, string path, int shardCount, long bytes, string fileSystems, long cached, bool cachedKnown)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            var cachedText = cachedKnown ? ByteSize.Format(cached) : $"at least {ByteSize.Format(cached)} (residency unknown for some shards)";
            OpeningMessage(logger, path, shardCount, ByteSize.Format(bytes), fileSystems, cachedText);
        }
    }

    public static void Plan(ILogger logger, LoadPlan plan, IReadOnlyList<string> checkpointWarnings)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            MemoryMessage(logger, plan.Memory.BindingDescription, plan.BudgetReason);
            PlanMessage(logger, plan.Summary);
            foreach (var shard in plan.Shards)
            {
                ShardDecisionMessage(logger, Path.GetFileName(shard.Path), shard.Strategy.ToString().ToLowerInvariant(), shard.Reason);
            }
        }

        // Warnings are logged at their own level: a caller who only wants warnings still gets them.
        foreach (var warning in plan.Warnings.Concat(checkpointWarnings))
        {
            PlanWarningMessage(logger, warning);
        }
    }

    public static void PrefetchStarted(ILogger logger, long bytes, int files, int threads, int blockSize, long window)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            PrefetchStartedMessage(logger, ByteSize.Format(bytes), files, threads, ByteSize.Format(blockSize), window == long.MaxValue ? "none" : ByteSize.Format(window));
        }
    }

    public static void PrefetchProgress(ILogger logger, int percent, long done, long total, double bytesPerSecond)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            PrefetchProgressMessage(logger, percent, ByteSize.Format(done), ByteSize.Format(total), ByteSize.FormatRate(bytesPerSecond));
        }
    }

    public static void PrefetchFinished(ILogger logger, long read, long skipped, double seconds)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            PrefetchFinishedMessage(logger, ByteSize.Format(read), ByteSize.Format(skipped), seconds, ByteSize.FormatRate(read / Math.Max(seconds, 1e-9)));
        }
    }

    public static void PrefetchStopped(ILogger logger, long read, string why)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            PrefetchStoppedMessage(logger, ByteSize.Format(read), why);
        }
    }

    public static void EagerRead(ILogger logger, string shard, long bytes, double seconds, int threads)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            EagerReadMessage(logger, Path.GetFileName(shard), ByteSize.Format(bytes), seconds, threads);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Opening {Path}: {ShardCount} shard(s), {CheckpointSize} on {FileSystems}; {Cached} in the page cache")]
    private static partial void OpeningMessage(ILogger logger, string path, int shardCount, string checkpointSize, string fileSystems, string cached);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Memory: {MemoryDescription}; budget {Budget}")]
    private static partial void MemoryMessage(ILogger logger, string memoryDescription, string budget);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Plan: {Summary}")]
    private static partial void PlanMessage(ILogger logger, string summary);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "{Shard}: {Strategy}, because {Reason}")]
    private static partial void ShardDecisionMessage(ILogger logger, string shard, string strategy, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "{Warning}")]
    private static partial void PlanWarningMessage(ILogger logger, string warning);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information,
        Message = "Prefetch started: {Bytes} in {FileCount} file(s), {Threads} readers, {BlockSize} blocks, window {Window}")]
    private static partial void PrefetchStartedMessage(ILogger logger, string bytes, int fileCount, int threads, string blockSize, string window);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Prefetch {Percent}%: {Done} of {Total} at {Rate}")]
    private static partial void PrefetchProgressMessage(ILogger logger, int percent, string done, string total, string rate);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information,
        Message = "Prefetch finished: {Bytes} read ({Skipped} already passed by the reader) in {Seconds:0.00} s, {Rate}")]
    private static partial void PrefetchFinishedMessage(ILogger logger, string bytes, string skipped, double seconds, string rate);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "Prefetch stopped after {Bytes}: {Why}")]
    private static partial void PrefetchStoppedMessage(ILogger logger, string bytes, string why);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning,
        Message = "Prefetch could not read {Path} at byte {Offset}: {Error}. The rest of that file is left to the reader, whose own reads decide whether the load fails")]
    public static partial void PrefetchReadFailed(ILogger logger, string path, long offset, string error);

    [LoggerMessage(EventId = 15, Level = LogLevel.Warning, Message = "The prefetch progress callback threw; progress is no longer reported")]
    public static partial void ProgressFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "Read {Shard} into memory: {Bytes} in {Seconds:0.000} s with {Threads} readers")]
    private static partial void EagerReadMessage(ILogger logger, string shard, string bytes, double seconds, int threads);

    [LoggerMessage(EventId = 16,
        Message = "Bytes [{Start}, {End}) of {Path}: another process on this node is warming them ({Holder}); moving on, and back to them when that process is done, or after {Seconds} s at most")]
    private static partial void PrefetchElsewhereMessage(ILogger logger, LogLevel level, long start, long end, string path, string holder, double seconds);

    /// <summary>
    /// A warning, at once, the first time for a file (<paramref name="firstOfFile"/>): a prefetch that waits for another
    /// process must say so, and for whom, or it looks hung. The file's later blocks: debug, as several processes warming
    /// one file meet many of each other's blocks.
    /// </summary>
    public static void PrefetchElsewhere(ILogger logger, bool firstOfFile, long start, long end, Func<string> path, Func<string> holder, TimeSpan patience)
    {
        var level = firstOfFile ? LogLevel.Warning : LogLevel.Debug;
        if (logger.IsEnabled(level))
        {
            PrefetchElsewhereMessage(logger, level, start, end, path(), holder(), patience.TotalSeconds);
        }
    }

    [LoggerMessage(EventId = 19,
        Message = "Bytes [{Start}, {End}) of {Path}: not read: another process on this node is warming them ({Holder}), and they are already in the page cache")]
    private static partial void PrefetchHeldButCachedMessage(ILogger logger, LogLevel level, long start, long end, string path, string holder);

    /// <summary>
    /// Information the first time for a file, then debug (see <see cref="PrefetchElsewhere"/>): nothing is wrong, and
    /// processes of a node that need the same bytes (local ranks sharing replicated tensors) meet this as a matter of course.
    /// </summary>
    public static void PrefetchHeldButCached(ILogger logger, bool firstOfFile, long start, long end, Func<string> path, Func<string> holder)
    {
        var level = firstOfFile ? LogLevel.Information : LogLevel.Debug;
        if (logger.IsEnabled(level))
        {
            PrefetchHeldButCachedMessage(logger, level, start, end, path(), holder());
        }
    }

    [LoggerMessage(EventId = 21,
        Message = "Bytes [{Start}, {End}) of {Path}: gave up waiting after {Seconds} s ({Holder}); reading them without the lock, so they may be read twice")]
    private static partial void PrefetchGaveUpWaitingMessage(ILogger logger, LogLevel level, long start, long end, string path, double seconds, string holder);

    /// <summary>A warning the first time for a file, then debug (see <see cref="PrefetchElsewhere"/>).</summary>
    public static void PrefetchGaveUpWaiting(ILogger logger, bool firstOfFile, long start, long end, Func<string> path, TimeSpan patience, Func<string> holder)
    {
        var level = firstOfFile ? LogLevel.Warning : LogLevel.Debug;
        if (logger.IsEnabled(level))
        {
            PrefetchGaveUpWaitingMessage(logger, level, start, end, path(), patience.TotalSeconds, holder());
        }
    }

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "{Variable}={Value} is not a number of seconds from 0 to 86400; waiting up to {Seconds} s for prefetch locks")]
    public static partial void PatienceIgnored(ILogger logger, string variable, string value, double seconds);

    [LoggerMessage(EventId = 18, Level = LogLevel.Warning, Message = "The prefetch stopped on an unexpected error; tensors are still read, without read-ahead")]
    public static partial void PrefetchAborted(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 17, Level = LogLevel.Warning,
        Message = "Prefetch locks are unavailable ({Error}); this process warms its files without coordinating with others on the node")]
    public static partial void PrefetchLocksUnavailable(ILogger logger, string error);

    [LoggerMessage(EventId = 23, Level = LogLevel.Information,
        Message = "{Path}: the file system refuses direct I/O; its bytes are read through the page cache instead")]
    public static partial void DirectReadRefused(ILogger logger, string path);
}
