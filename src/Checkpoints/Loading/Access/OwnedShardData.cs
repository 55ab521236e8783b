using System.Diagnostics;
using Checkpoints.Files;
using Checkpoints.Format;
using Checkpoints.Loading.Logging;
using Checkpoints.Loading.Reading;
using Checkpoints.Storage.Cache;
using Checkpoints.Units;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace Checkpoints.Loading.Access;

/// <summary>
/// A shard served from memory the process owns, filled with positional reads: every I/O error comes back as an
/// exception naming the file and offset (under a memory map it would be a SIGBUS that kills the process), a stalled
/// read times out, and the file is checked unchanged after each read (as far as its attributes show: NFS and sshfs cache
/// them for a second or more), so bytes of a shard rewritten underneath are not handed out as if nothing happened.
/// </summary>
/// <remarks>
/// The data is cut into segments along tensor boundaries (see <see cref="ShardSegments"/>), each a managed array: a
/// span handed out keeps its array alive, so dropping a segment can never leave a reader on freed memory.
/// Eager loading reads every segment up front and keeps them; read access loads a segment when it is first asked
/// for and keeps only the most recent ones, so memory stays at a few segments however large the shard.
/// Eager loading can read past the page cache (<c>O_DIRECT</c>, see <see cref="SegmentArray"/>): the device's reads
/// land in the segments themselves, with no page cache to fill on the way (on a virtual machine whose freed memory went
/// back to the host, each fresh page costs a host fault: a buffered eager load pays for two per byte, the cache's and the
/// copy's), and the segments' pages are first touched by the read threads in parallel.
/// </remarks>
internal sealed class OwnedShardData : ShardData
{
    /// <summary>Segments kept for read access: the two used last (a tensor read twice in a row is not read again).</summary>
    public const int KeptSegments = 2;

    private readonly ShardHeader _header;
    private readonly FileIdentity _opened;
    private readonly ShardSegments _segments;
    private readonly ArraySegment<byte>[] _loaded;
    private readonly Queue<int> _recent = new();
    private readonly bool _keepAll;
    private readonly bool _direct;
    private readonly ILogger _logger;
    private readonly ReadSettings _settings;
    private readonly Lock _lock = new();
    private SafeFileHandle? _handle;
    // Whether the handle, and so every segment read through it, goes past the page cache (asked for and allowed).
    private bool _handleIsDirect;
    private int _disposed;

    private OwnedShardData(ShardHeader header, FileIdentity opened, ShardSegments segments, bool keepAll, bool direct, ReadSettings settings, ILogger logger)
    {
        _header = header;
        _opened = opened;
        _segments = segments;
        _loaded = new ArraySegment<byte>[segments.Count];
        _keepAll = keepAll;
        _direct = direct;
        _settings = settings;
        _logger = logger;
    }

    public override long Length => _header.FileLength;

    /// <summary>Segments held in memory now.</summary>
    internal int LoadedSegments
    {
        get
        {
            lock (_lock)
            {
                return _loaded.Count(static segment => segment.Array is not null);
            }
        }
    }

    /// <summary>Reads the whole data section now, with parallel block reads; the file is let go when done.</summary>
    /// <param name="header">The shard.</param>
    /// <param name="opened">The file as it was when its header was read.</param>
    /// <param name="settings">The read pool, the timeout and the load's cancellation.</param>
    /// <param name="direct">Read past the page cache where the file system allows it (told once to <paramref name="logger"/> where not).</param>
    /// <param name="logger">The time it took, and a refusal of direct I/O.</param>
    /// <exception cref="IOException">A read failed or stalled, or the file changed since it was opened.</exception>
    public static OwnedShardData LoadEager(ShardHeader header, FileIdentity opened, ReadSettings settings, bool direct, ILogger logger) =>
        LoadEager(header, opened, settings, ShardSegments.Plan(header, ShardSegments.EagerGroupBytes, ShardSegments.ChunkBytes), direct, logger);

    /// <summary>As <see cref="LoadEager(ShardHeader, FileIdentity, ReadSettings, bool, ILogger)"/>, with the segments given (a selection's, or small ones in tests).</summary>
    internal static OwnedShardData LoadEager(ShardHeader header, FileIdentity opened, ReadSettings settings, ShardSegments segments, bool direct, ILogger logger)
    {
        var stopwatch = Stopwatch.StartNew();
        var data = new OwnedShardData(header, opened, segments, keepAll: true, direct, settings, logger);
        try
        {
            data.Load([.. Enumerable.Range(0, segments.Count)]);
        }
        finally
        {
            data.CloseHandle();
        }

        LoadLog.EagerRead(logger, header.FilePath, segments.TotalBytes, stopwatch.Elapsed.TotalSeconds, settings.Pool.Threads);
        return data;
    }

    /// <summary>Serves the shard through reads made when its bytes are first asked for.</summary>
    public static OwnedShardData ForReads(ShardHeader header, FileIdentity opened, ReadSettings settings) =>
        ForReads(header, opened, settings, ShardSegments.Plan(header, ShardSegments.ReadGroupBytes, ShardSegments.ChunkBytes));

    /// <summary>As <see cref="ForReads(ShardHeader, FileIdentity, ReadSettings)"/>, with the segments given (tests use small ones).</summary>
    internal static OwnedShardData ForReads(ShardHeader header, FileIdentity opened, ReadSettings settings, ShardSegments segments) =>
        new(header, opened, segments, keepAll: false, direct: false, settings, NullLogger.Instance);

    public override ReadOnlySpan<byte> GetSpan(long offset, int length)
    {
        var first = _segments.Find(offset);
        var last = length == 0 ? first : _segments.Find(offset + length - 1);
        var arrays = Arrays(first, last);
        var start = _segments[first].Start;
        if (first == last)
        {
            return arrays[0].AsSpan((int)(offset - start), length);
        }

        // Only a range across two chunks of a tensor over 2 GiB gets here: copy it together.
        var copy = GC.AllocateUninitializedArray<byte>(length);
        for (int done = 0, index = first; done < length; index++)
        {
            var segment = _segments[index];
            var from = (int)(offset + done - segment.Start);
            var count = (int)Math.Min(length - done, segment.End - (offset + done));
            arrays[index - first].AsSpan(from, count).CopyTo(copy.AsSpan(done));
            done += count;
        }

        return copy;
    }

    /// <summary>
    /// Array data is 8-byte aligned on 64-bit runtimes, and every segment starts at a tensor boundary; a segment read
    /// directly keeps the file's offsets modulo the page size.
    /// </summary>
    public override bool IsAligned(long offset, int alignment) =>
        _handleIsDirect && alignment <= SegmentArray.DirectAlignment
            ? offset % alignment == 0
            : alignment <= 8 && (offset - _segments[_segments.Find(offset)].Start) % alignment == 0;

    /// <summary>The pages the consumer has passed are dropped from the page cache (they were copied out).</summary>
    public override void ReleaseBehind(long offset, long length)
    {
        // A hint: skipped rather than waited for while a load (possibly stalled) holds the lock.
        if (!_lock.TryEnter())
        {
            return;
        }

        try
        {
            if (_handle is { } handle && Volatile.Read(ref _disposed) == 0)
            {
                _ = PageCache.Advise(handle, _header.FilePath, offset, length, CacheAdvice.DontNeed);
            }
        }
        finally
        {
            _lock.Exit();
        }
    }

    /// <summary>Lets go of the file handle and, for read access, of the segments held; both come back if more is asked for.</summary>
    public override void Park()
    {
        lock (_lock)
        {
            CloseHandle();
            if (!_keepAll)
            {
                while (_recent.TryDequeue(out var index))
                {
                    Drop(index);
                }
            }
        }
    }

    /// <summary>Lets go of the file handle; it is opened again (and checked to be the same file) if more is asked for.</summary>
    private void CloseHandle()
    {
        lock (_lock)
        {
            _handle?.Dispose();
            _handle = null;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            // The arrays are managed: the collector frees each once no span refers to it.
            CloseHandle();
        }
    }

    private ArraySegment<byte>[] Arrays(int first, int last)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

            // Taken before loading the missing ones: making room for those must not drop one this call needs.
            var arrays = Enumerable.Range(first, last - first + 1).Select(index => _loaded[index]).ToArray();
            var missing = Enumerable.Range(first, last - first + 1).Where(index => _loaded[index].Array is null).ToArray();
            if (!_keepAll)
            {
                foreach (var hit in Enumerable.Range(first, last - first + 1).Except(missing))
                {
                    MarkRecent(hit);
                }
            }

            if (missing.Length > 0)
            {
                Load(missing);
            }

            for (var i = 0; i < arrays.Length; i++)
            {
                if (arrays[i].Array is null)
                {
                    arrays[i] = _loaded[first + i];
                }
            }

            return arrays;
        }
    }

    /// <summary>Moves <paramref name="index"/> to the most recent end, so the segments kept are the ones used last.</summary>
    private void MarkRecent(int index)
    {
        var others = _recent.Where(recent => recent != index).ToList();
        _recent.Clear();
        foreach (var recent in others)
        {
            _recent.Enqueue(recent);
        }

        _recent.Enqueue(index);
    }

    /// <summary>
    /// Reads the segments <paramref name="indexes"/> with parallel block reads; called under the lock. Opening the file
    /// and checking it afterwards run on the read pool too, under the same deadline and cancellation as the reads: on a
    /// network file system each is a round trip to the server, and a server that stopped answering holds an open in the
    /// kernel as surely as a read (on the caller's thread it would hang the consumer past the timeout, and past Dispose).
    /// </summary>
    /// <exception cref="IOException">A read, the open or the check failed or stalled, or the file changed.</exception>
    /// <exception cref="ObjectDisposedException">The checkpoint was disposed while this waited.</exception>
    private void Load(int[] indexes)
    {
        var path = _header.FilePath;
        var first = _segments[indexes[0]].Start;
        var what = $"{Invariant.N(indexes.Sum(index => _segments[index].Length))} bytes at byte {Invariant.N(first)}";
        var arrays = _settings.Wait(path, $"{what} were being read", abandon =>
        {
            var handle = _handle ??= _settings.OpenOnPool($"{path}: opening it to read {what}", first, OpenChecked, abandon);
            var filled = new ArraySegment<byte>[indexes.Length];
            var reads = new List<(ReadPool.Pending<int> Read, long Needed)>();
            for (var i = 0; i < indexes.Length; i++)
            {
                var segment = _segments[indexes[i]];
                var target = _handleIsDirect ? SegmentArray.ForDirectReads(segment.Start, segment.End) : SegmentArray.ForReads(segment.Start, segment.End);
                filled[i] = new ArraySegment<byte>(target.Array, target.DataOffset, (int)segment.Length);
                // Direct reads cover whole pages; a block size off the page grid would break that at every block.
                var blockSize = _handleIsDirect ? Math.Max(SegmentArray.DirectAlignment, _settings.BlockSize / SegmentArray.DirectAlignment * SegmentArray.DirectAlignment) : _settings.BlockSize;
                for (var at = target.ReadStart; at < target.ReadEnd; at += blockSize)
                {
                    var length = (int)Math.Min(blockSize, target.ReadEnd - at);
                    // What the segment needs of this read: a direct read of the last page stops short at the end of the file.
                    var needed = Math.Min(length, segment.End - at);
                    reads.Add((_settings.Pool.Read(handle, path, target.ReadTarget(at, length), at, abandon.Token), needed));
                }
            }

            ReadPool.WaitAll([.. reads.Select(static read => read.Read)], _settings.Timeout, abandon, _settings.CancellationToken);
            long? shortReadEnd = reads.FirstOrDefault(static read => read.Read.Task.Result < read.Needed) is ({ } shortRead, _)
                ? shortRead.Offset + shortRead.Task.Result
                : null;

            // Bytes read while the file was being rewritten are not handed out: its state must still be the opened one.
            var check = _settings.Pool.Run($"{path}: checking it is unchanged after reading {what}", first,
                () => ThrowIfNotAsOpened(handle, shortReadEnd), abandon.Token);
            ReadPool.WaitAll([check], _settings.Timeout, abandon, _settings.CancellationToken);
            return filled;
        });

        if (!_keepAll)
        {
            Forget(indexes);
        }

        for (var i = 0; i < indexes.Length; i++)
        {
            _loaded[indexes[i]] = arrays[i];
        }
    }

    /// <summary>Drops the oldest segments so that, with <paramref name="incoming"/>, at most <see cref="KeptSegments"/> stay.</summary>
    private void Forget(int[] incoming)
    {
        foreach (var index in incoming)
        {
            _recent.Enqueue(index);
        }

        while (_recent.Count > Math.Max(KeptSegments, incoming.Length))
        {
            Drop(_recent.Dequeue());
        }
    }

    private void Drop(int index)
    {
        if (_loaded[index].Array is { } array)
        {
            _loaded[index] = default;
            ReleasedBuffers.Add(array.Length);
        }
    }

    /// <summary>
    /// Throws unless the open file is still the one whose header was validated. A read that ended before the file does
    /// means the file shrank, or that the storage gave up mid-read (a FUSE mount whose connection dropped answers reads
    /// with end of file): the handle's state tells which, so "changed" is said only when it did. Returns true to run on the pool.
    /// </summary>
    private bool ThrowIfNotAsOpened(SafeFileHandle handle, long? shortReadEnd)
    {
        var path = _header.FilePath;
        FileIdentity now;
        try
        {
            now = FileIdentity.Of(handle, path);
        }
        catch (IOException exception) when (shortReadEnd is { } end)
        {
            throw new IOException($"{path}: reading the data at byte {Invariant.N(end)} ended early, and then the file could not be examined " +
                $"({exception.Message}): the storage failed while loading; check the mount or the network and load again", exception);
        }

        ShardChanged.ThrowIfDiffers(path, _opened, now);
        if (shortReadEnd is { } early)
        {
            throw new IOException($"{path}: reading the data at byte {Invariant.N(early)} hit the end of the file, though the file is still " +
                $"{Invariant.N(now.Length)} bytes: the storage ended the read early; check the mount or the network and load again");
        }

        return true;
    }

    /// <summary>The file, checked to be the one opened; past the page cache when that was asked for and the file system allows it.</summary>
    private SafeFileHandle OpenChecked()
    {
        var path = _header.FilePath;
        if (_direct && DirectOpen.TryOpenUnchanged(path, _opened) is { } direct)
        {
            _handleIsDirect = true;
            return direct;
        }

        if (_direct)
        {
            LoadLog.DirectReadRefused(_logger, path);
        }

        _handleIsDirect = false;
        return ShardChanged.OpenUnchanged(path, _opened);
    }
}
