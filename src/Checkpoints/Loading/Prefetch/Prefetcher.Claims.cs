using System.Diagnostics;
using Checkpoints.Loading.Logging;
using Checkpoints.Loading.Telemetry;

namespace Checkpoints.Loading.Prefetch;

/// <summary>
/// Node-wide claims: which files this process warms, which another process on the node is warming, and the files
/// passed over for another process, come back to once it is done.
/// </summary>
internal sealed partial class Prefetcher
{
    /// <summary>Whether this process warms <paramref name="file"/>: decided once, by the first block of it that is read.</summary>
    private bool IsClaimed(int file)
    {
        var state = Volatile.Read(ref _claimStates[file]);
        if (state != Unclaimed)
        {
            return state == ClaimedHere;
        }

        lock (_claimStates)
        {
            if (_claimStates[file] == Unclaimed)
            {
                _claimStates[file] = _claims.TryClaim(file) ? ClaimedHere : ClaimedElsewhere;
                if (_claimStates[file] == ClaimedElsewhere)
                {
                    if (_claims.IsWarm(file))
                    {
                        // Cached already: whatever the holder is doing, there is nothing to wait for.
                        LoadLog.PrefetchHeldButCached(_logger, () => _reader.PathOf(file), () => _claims.DescribeHolder(file));
                        CountFoundCached(file);
                    }
                    else
                    {
                        LoadLog.PrefetchElsewhere(_logger, () => _reader.PathOf(file), () => _claims.DescribeHolder(file), ClaimPatience);
                        _heldSince[file] = Stopwatch.GetTimestamp();
                        _deferredFiles.Enqueue(file);
                    }
                }
            }

            return _claimStates[file] == ClaimedHere;
        }
    }

    /// <summary>Counts a block of <paramref name="file"/> as handled; after the last one, other processes may have the file.</summary>
    private void BlockDone(int file)
    {
        if (Interlocked.Decrement(ref _blocksLeft[file]) == 0 && Volatile.Read(ref _claimStates[file]) == ClaimedHere)
        {
            _claims.Release(file);
        }
    }

    /// <summary>
    /// A file another process was warming: wait until it is done (or gone), then read what is still not cached, within
    /// the window like any block. Whatever that process left in the page cache is not read again.
    /// </summary>
    private void WarmDeferred(int file, byte[] buffer)
    {
        // Past the patience, the file is read without the claim: at worst the storage is read twice, never not at all.
        var left = ClaimPatience - Stopwatch.GetElapsedTime(Volatile.Read(ref _heldSince[file]));
        var waitStarted = Stopwatch.GetTimestamp();
        var claimed = _claims.WaitAndClaim(file, left > TimeSpan.Zero ? left : TimeSpan.Zero, _stop.Token);
        LoadTelemetry.PrefetchWaitDuration.Record(Stopwatch.GetElapsedTime(waitStarted).TotalSeconds,
            new KeyValuePair<string, object?>("prefetch.claimed", claimed));
        try
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            var warm = _claims.IsWarm(file);
            if (!claimed && warm)
            {
                // Still held, but what the holder read is cached: "reading it anyway" would not be true.
                LoadLog.PrefetchHeldButCached(_logger, () => _reader.PathOf(file), () => _claims.DescribeHolder(file));
            }
            else if (!claimed)
            {
                LoadLog.PrefetchGaveUpWaiting(_logger, () => _reader.PathOf(file), ClaimPatience, () => _claims.DescribeHolder(file));
            }

            if (warm)
            {
                CountFoundCached(file);
                return;
            }

            var blocks = _blocks.Where(block => block.File == file).ToList();
            foreach (var block in blocks)
            {
                if (SkipIfNotNeeded(block))
                {
                    continue;
                }

                if (!WaitForWindow(block))
                {
                    return;
                }

                ReportStartOf(file);
                ReadBlock(block, buffer);
                FileHandled(file, block.Length);
                Report(file);
            }
        }
        finally
        {
            if (claimed)
            {
                _claims.Release(file);
            }
        }
    }

    /// <summary>Counts all of <paramref name="file"/> as skipped: another process held it, and it was found cached.</summary>
    private void CountFoundCached(int file)
    {
        Interlocked.Add(ref _bytesSkipped, _fileBytes[file]);
        Interlocked.Add(ref _bytesFoundCached, _fileBytes[file]);
        FileHandled(file, _fileBytes[file]);
        Report(file);
    }
}
