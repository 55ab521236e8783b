using System.Diagnostics;
using Checkpoints.Loading.Logging;
using Checkpoints.Loading.Telemetry;

namespace Checkpoints.Loading.Prefetch;

/// <summary>
/// Node-wide claims, per block: which blocks this process warms, which another process on the node is warming, and
/// the blocks passed over for another process, come back to once it is done with them.
/// </summary>
internal sealed partial class Prefetcher
{
    // The kinds of message about blocks held elsewhere a file has had. The first of each kind is a warning, the rest
    // debug messages: with several processes warming one file, many of its blocks are met held, and one warning per
    // block would bury everything else.
    private const int WarnedHeld = 1;
    private const int WarnedCached = 2;
    private const int WarnedGaveUp = 4;

    /// <summary>
    /// Claims <paramref name="block"/> (number <paramref name="index"/>) for this process; false when another process
    /// holds some of its bytes: then it is counted at once if it is cached already, else passed over, to be come back to.
    /// </summary>
    private bool ClaimOrPassOver(int index, PrefetchBlock block)
    {
        if (_claims.TryClaim(block))
        {
            return true;
        }

        if (_claims.IsWarm(block))
        {
            // Cached already: whatever the holder is doing, there is nothing to wait for.
            var first = FirstOfFile(block.File, WarnedCached);
            LoadLog.PrefetchHeldButCached(_logger, first, block.Offset, block.Offset + block.Length,
                () => _reader.PathOf(block.File), () => _claims.DescribeHolder(block, nameProcess: first));
            CountFoundCached(block);
            return false;
        }

        var firstHeld = FirstOfFile(block.File, WarnedHeld);
        LoadLog.PrefetchElsewhere(_logger, firstHeld, block.Offset, block.Offset + block.Length,
            () => _reader.PathOf(block.File), () => _claims.DescribeHolder(block, nameProcess: firstHeld), ClaimPatience);
        Volatile.Write(ref _heldSince[index], Stopwatch.GetTimestamp());
        _deferredBlocks.Enqueue(index);
        return false;
    }

    /// <summary>
    /// A block another process was warming: wait until it is done with it (or gone), then read it if it is still not
    /// cached, within the window like any block. Whatever that process left in the page cache is not read again.
    /// </summary>
    private void WarmDeferred(int index, byte[] buffer)
    {
        var block = _blocks[index];
        // Nothing to wait for when the consumer has read past it meanwhile; and the window before the claim, as in NextBlock.
        if (SkipIfNotNeeded(block) || !WaitForWindow(block))
        {
            return;
        }

        // Past the patience, the block is read without the claim: at worst the storage is read twice, never not at all.
        var left = ClaimPatience - Stopwatch.GetElapsedTime(Volatile.Read(ref _heldSince[index]));
        var waitStarted = Stopwatch.GetTimestamp();
        var claimed = _claims.WaitAndClaim(block, left > TimeSpan.Zero ? left : TimeSpan.Zero, _stop.Token);
        LoadTelemetry.PrefetchWaitDuration.Record(Stopwatch.GetElapsedTime(waitStarted).TotalSeconds,
            new KeyValuePair<string, object?>("prefetch.claimed", claimed));
        try
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            var warm = _claims.IsWarm(block);
            if (!claimed && warm)
            {
                // Still held, but what the holder read is cached: "reading it anyway" would not be true.
                var first = FirstOfFile(block.File, WarnedCached);
                LoadLog.PrefetchHeldButCached(_logger, first, block.Offset, block.Offset + block.Length,
                    () => _reader.PathOf(block.File), () => _claims.DescribeHolder(block, nameProcess: first));
            }
            else if (!claimed)
            {
                var first = FirstOfFile(block.File, WarnedGaveUp);
                LoadLog.PrefetchGaveUpWaiting(_logger, first, block.Offset, block.Offset + block.Length,
                    () => _reader.PathOf(block.File), ClaimPatience, () => _claims.DescribeHolder(block, nameProcess: first));
            }

            if (warm)
            {
                CountFoundCached(block);
                return;
            }

            if (SkipIfNotNeeded(block))
            {
                return; // The consumer passed it during the wait.
            }

            ReportStartOf(block.File);
            ReadBlock(block, buffer);
            FileHandled(block.File, block.Length);
            Report(block.File);
        }
        finally
        {
            if (claimed)
            {
                _claims.Release(block);
            }
        }
    }

    /// <summary>Counts <paramref name="block"/> as skipped: another process held it, and it was found cached.</summary>
    private void CountFoundCached(PrefetchBlock block)
    {
        Interlocked.Add(ref _bytesSkipped, block.Length);
        Interlocked.Add(ref _bytesFoundCached, block.Length);
        FileHandled(block.File, block.Length);
        Report(block.File);
    }

    /// <summary>Whether this is the first message of <paramref name="kind"/> about <paramref name="file"/> (and records that it was sent).</summary>
    private bool FirstOfFile(int file, int kind) => (Interlocked.Or(ref _heldWarned[file], kind) & kind) == 0;
}
