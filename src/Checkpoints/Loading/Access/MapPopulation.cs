using Checkpoints.Files;
using Checkpoints.Format;
using Checkpoints.Interop;
using Checkpoints.Loading.Planning;
using Checkpoints.Loading.Reading;
using Checkpoints.Storage.Cache;
using Checkpoints.Units;


namespace Checkpoints.Loading.Access;

/// <summary>
/// Guards the map of a shard on storage that can fail (<see cref="ShardAccess.PopulatedMap"/>): before a range is handed
/// out, the segments that hold it are populated by the read pool, in parallel blocks under the read timeout, and the file
/// is checked unchanged (on the pool too, at every range asked for). A page that cannot be read, or a file cut short, is
/// an <see cref="IOException"/> naming the file and offset, and a storage that stopped answering is a timeout, where a
/// page fault would have killed the process with SIGBUS or hung it. The bytes are not copied: after the prefetch warmed
/// the cache, populating only maps its pages.
/// </summary>
/// <remarks>
/// Each segment is populated once. What is left is narrow but real: a page evicted after that (memory pressure) is read
/// again by a fault, unguarded, and a truncation between the check and the reader's use of the bytes still raises
/// SIGBUS. The planner chooses this only when the prefetch fits the memory budget; <see cref="ShardAccess.Read"/>
/// remains the access with no such window.
/// </remarks>
internal sealed class MapPopulation
{
    private readonly string _path;
    private readonly FileIdentity _opened;
    private readonly nint _base;
    private readonly ShardSegments _segments;
    private readonly ReadSettings _settings;
    private readonly bool[] _populated;
    private readonly Lock _lock = new();

    /// <param name="header">The shard, for its path and tensor boundaries.</param>
    /// <param name="opened">The file as opened: checked after each population.</param>
    /// <param name="address">Where the whole file is mapped (page aligned).</param>
    /// <param name="settings">The pool, block size, timeout and cancellation of the reads.</param>
    /// <param name="segments">The units populated at once.</param>
    public MapPopulation(ShardHeader header, FileIdentity opened, nint address, ReadSettings settings, ShardSegments segments)
    {
        _path = header.FilePath;
        _opened = opened;
        _base = address;
        _settings = settings;
        _segments = segments;
        _populated = new bool[segments.Count];
    }

    /// <summary>
    /// Populates the segments that hold [<paramref name="offset"/>, + <paramref name="length"/>) unless they already are,
    /// and checks the file unchanged: a truncation since the segments were populated would otherwise be met as SIGBUS.
    /// </summary>
    /// <exception cref="IOException">A page could not be read, the storage stalled, or the file changed.</exception>
    /// <exception cref="ObjectDisposedException">The checkpoint was disposed while this waited.</exception>
    public void Ensure(long offset, int length)
    {
        var first = _segments.Find(offset);
        var last = length == 0 ? first : _segments.Find(offset + length - 1);
        if (!AllPopulated(first, last))
        {
            lock (_lock)
            {
                var missing = Enumerable.Range(first, last - first + 1).Where(index => !Volatile.Read(ref _populated[index])).ToArray();
                if (missing.Length > 0)
                {
                    // Populating checks the file afterwards.
                    Populate(missing);
                    foreach (var index in missing)
                    {
                        Volatile.Write(ref _populated[index], true);
                    }

                    return;
                }
            }
        }

        _settings.Wait(_path, $"{Invariant.N(length)} bytes at byte {Invariant.N(offset)} were being read", abandon => CheckOnPool(offset, abandon));
    }

    /// <summary>The pages of [<paramref name="offset"/>, + <paramref name="length"/>) were given back: segments wholly inside it are populated again if asked for.</summary>
    public void Forget(long offset, long length)
    {
        for (var index = _segments.Find(offset); index < _segments.Count && _segments[index].Start < offset + length; index++)
        {
            if (_segments[index].Start >= offset && _segments[index].End <= offset + length)
            {
                Volatile.Write(ref _populated[index], false);
            }
        }
    }

    private bool AllPopulated(int first, int last)
    {
        for (var index = first; index <= last; index++)
        {
            if (!Volatile.Read(ref _populated[index]))
            {
                return false;
            }
        }

        return true;
    }

    private void Populate(int[] indexes)
    {
        var start = _segments[indexes[0]].Start;
        _settings.Wait(_path, $"{Invariant.N(indexes.Sum(index => _segments[index].Length))} bytes at byte {Invariant.N(start)} were being read", abandon =>
        {
            var jobs = new List<ReadPool.Pending<bool>>();
            foreach (var index in indexes)
            {
                var segment = _segments[index];
                for (var block = segment.Start; block < segment.End; block += _settings.BlockSize)
                {
                    var (from, to) = (block, Math.Min(segment.End, block + _settings.BlockSize));
                    jobs.Add(_settings.Pool.Run($"{_path}: reading {Invariant.N(to - from)} bytes at byte {Invariant.N(from)} through the map", from,
                        () => PopulateBlock(from, to), abandon.Token));
                }
            }

            try
            {
                ReadPool.WaitAll(jobs, _settings.Timeout, abandon, _settings.CancellationToken);
            }
            catch (UnreadablePagesException)
            {
                // Pages past the end are what a truncation looks like through a map: say so when the file shows it.
                using var checking = CancellationTokenSource.CreateLinkedTokenSource(_settings.CancellationToken);
                CheckOnPool(start, checking);
                throw;
            }

            // Bytes of a file rewritten while they were being read in are not handed out.
            return CheckOnPool(start, abandon);
        });
    }

    /// <summary>Populates the file's bytes [<paramref name="from"/>, <paramref name="to"/>); returns true to run on the pool.</summary>
    private bool PopulateBlock(long from, long to)
    {
        // The map starts at the file's first byte, on a page boundary: widen the range down to the page that holds it.
        var pageStart = from / Environment.SystemPageSize * Environment.SystemPageSize;
        // Asked for first, the block is read exactly: faults that find no page read around it and ahead of it (the
        // device's read-ahead, megabytes on some), bytes of tensors the load may not have selected.
        _ = Libc.MAdvise(_base + (nint)pageStart, (nuint)(to - pageStart), Libc.MadvWillNeed);
        var error = MapPopulate.Populate(_base + (nint)pageStart, (nuint)(to - pageStart));
        return error switch
        {
            0 => true,
            MapPopulate.EFault => throw new UnreadablePagesException($"{_path}: the bytes [{Invariant.N(from)}, {Invariant.N(to)}) could not be read " +
                "(the file is shorter than it was, or the storage failed): check the mount or the network and load again"),
            _ => throw new IOException($"{_path}: reading the bytes [{Invariant.N(from)}, {Invariant.N(to)}) through the map failed: " +
                $"{System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(error)}; load with LoadOptions.Access = ShardAccess.Read instead"),
        };
    }

    /// <summary>Checks the file unchanged on the read pool, under the timeout.</summary>
    private bool CheckOnPool(long offset, CancellationTokenSource abandon)
    {
        var check = _settings.Pool.Run($"{_path}: checking it is unchanged before handing out its bytes at byte {Invariant.N(offset)}", offset, CheckUnchanged, abandon.Token);
        ReadPool.WaitAll([check], _settings.Timeout, abandon, _settings.CancellationToken);
        return true;
    }

    private bool CheckUnchanged()
    {
        ShardChanged.ThrowIfChanged(_path, _opened);
        return true;
    }

    /// <summary>A page of the range could not be read: the kernel's answer where a page fault would raise SIGBUS.</summary>
    private sealed class UnreadablePagesException(string message) : IOException(message);
}
