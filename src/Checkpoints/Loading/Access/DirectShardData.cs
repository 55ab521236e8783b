using Checkpoints.Files;
using Checkpoints.Format;
using Checkpoints.Loading.Logging;
using Checkpoints.Loading.Reading;
using Checkpoints.Units;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Checkpoints.Loading.Access;

/// <summary>
/// A shard read past the page cache (<c>O_DIRECT</c>), for a consumer that copies every tensor into memory of its own
/// (<see cref="Tensor.CopyBytesTo"/>): the read threads keep many large aligned reads in flight, as fio does to reach
/// a device's limit, into a few reused aligned buffers, and the consumer's thread copies each into its destination as
/// it arrives. Nothing passes through the page cache: no cache pages to allocate and fill (the slow part of a cold
/// buffered read on a virtual machine whose freed memory went back to the host), none to evict later, none charged to
/// the memory cgroup.
/// </summary>
/// <remarks>
/// Reads run on the pool under the load's timeout, and the file is checked unchanged after each copy, as for read
/// access. A read thread never writes into the destination, only into its buffer: a copy abandoned on a timeout leaves
/// no thread writing into memory the caller may have freed. A file system that refuses direct I/O is read through the
/// page cache with the same code (alignment does no harm there).
/// </remarks>
internal sealed unsafe class DirectShardData : ShardData
{
    /// <summary>Bytes per read: fio reaches this machine's device limit with 4 MiB blocks.</summary>
    public const int ChunkBytes = 4 << 20;

    /// <summary>The alignment direct I/O asks of addresses, lengths and offsets.</summary>
    public const int Alignment = SegmentArray.DirectAlignment;

    private readonly ShardHeader _header;
    private readonly FileIdentity _opened;
    private readonly ReadSettings _settings;
    private readonly ILogger _logger;
    private readonly AlignedBuffers _buffers;
    private readonly Lock _lock = new();
    private SafeFileHandle? _handle;
    private bool _refusalLogged;
    private int _disposed;

    /// <param name="header">The shard.</param>
    /// <param name="opened">The file as it was when its header was read; every open and copy checks it.</param>
    /// <param name="settings">The read pool, the timeout and the load's cancellation.</param>
    /// <param name="buffers">Buffers of <see cref="ChunkBytes"/> aligned to <see cref="Alignment"/>, shared by every shard of
    /// the load (each is touched once, whichever shard it serves); the caller disposes them after the shards.</param>
    /// <param name="logger">Told once if the file system refuses direct I/O.</param>
    public DirectShardData(ShardHeader header, FileIdentity opened, ReadSettings settings, AlignedBuffers buffers, ILogger logger)
    {
        _buffers = buffers;
        _header = header;
        _opened = opened;
        _settings = settings;
        _logger = logger;
    }

    public override long Length => _opened.Length;

    /// <summary>Reads in flight per copy: every read thread busy, as long as the copy is long enough to need them.</summary>
    private int MaxInFlight => Math.Max(2, _settings.Pool.Threads);

    /// <summary>Direct access serves consumers that copy out; a span is a copy into memory of its own.</summary>
    public override ReadOnlySpan<byte> GetSpan(long offset, int length)
    {
        var copy = GC.AllocateUninitializedArray<byte>(length);
        CopyTo(offset, copy);
        return copy;
    }

    /// <summary>Spans are fresh arrays, whose data is 8-byte aligned on 64-bit runtimes.</summary>
    public override bool IsAligned(long offset, int alignment) => alignment <= 8;

    public override void CopyTo(long offset, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (destination.IsEmpty)
        {
            return;
        }

        var handle = AcquireHandle();
        try
        {
            // Pinned until every chunk has been copied or given up: the read threads never write into it.
            fixed (byte* target = destination)
            {
                var (address, length) = ((nint)target, destination.Length);
                _settings.Wait(_header.FilePath, "its bytes were being read",
                    abandon => Copy(handle, offset, new Destination(address, length), abandon));
            }
        }
        finally
        {
            handle.DangerousRelease();
        }

        ShardChanged.ThrowIfChanged(_header.FilePath, _opened);
    }

    /// <summary>Lets go of the file handle; it is opened again (and checked to be the same file) when more is asked for.</summary>
    public override void Park()
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
            Park();
        }
    }

    private bool Copy(SafeFileHandle handle, long offset, Destination destination, CancellationTokenSource abandon)
    {
        var end = offset + destination.Length;
        var alignedEnd = (end + Alignment - 1) / Alignment * Alignment;
        var next = offset / Alignment * Alignment;
        var inFlight = new Queue<Chunk>();
        Chunk? current = null;
        try
        {
            while (next < alignedEnd || inFlight.Count > 0)
            {
                while (next < alignedEnd && inFlight.Count < MaxInFlight)
                {
                    var length = (int)Math.Min(ChunkBytes, alignedEnd - next);
                    inFlight.Enqueue(Submit(handle, next, length, abandon.Token));
                    next += length;
                }

                current = inFlight.Dequeue();
                ReadPool.WaitAll([current.Job], _settings.Timeout, abandon, _settings.CancellationToken);
                CopyOut(current, offset, destination);
                _buffers.Return(current.Buffer);
                current = null;
            }
        }
        catch
        {
            // Each buffer goes back when its read ends: reads not started are dropped at once (abandon), a read under
            // way finishes into its buffer, which nobody copies from any more.
            if (current is not null)
            {
                inFlight.Enqueue(current);
            }

            foreach (var chunk in inFlight)
            {
                _ = chunk.Job.Task.ContinueWith(_ => _buffers.Return(chunk.Buffer), CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            throw;
        }

        return true;
    }

    private Chunk Submit(SafeFileHandle handle, long at, int length, CancellationToken cancellationToken)
    {
        var buffer = _buffers.Rent();
        var path = _header.FilePath;
        var job = _settings.Pool.Run($"{path}: reading {Invariant.N(length)} bytes at byte {Invariant.N(at)}", at, () =>
        {
            // The job holds the handle too: a copy that gave up (timeout) must not let the descriptor close under it.
            var added = false;
            handle.DangerousAddRef(ref added);
            try
            {
                return PositionalRead.ReadFully(handle, path, new Span<byte>((void*)buffer, length), at, "the data");
            }
            finally
            {
                handle.DangerousRelease();
            }
        }, cancellationToken);
        return new Chunk(job, buffer, at, length);
    }

    private void CopyOut(Chunk chunk, long offset, Destination destination)
    {
        var end = offset + destination.Length;
        var from = Math.Max(chunk.At, offset);
        var to = Math.Min(chunk.At + chunk.Length, end);
        var read = chunk.Job.Task.Result;
        if (chunk.At + read < to)
        {
            throw ShardChanged.EndedEarly(_header.FilePath, chunk.At + read, to);
        }

        new ReadOnlySpan<byte>((byte*)chunk.Buffer + (from - chunk.At), (int)(to - from)).CopyTo(destination.Span[(int)(from - offset)..]);
    }

    /// <summary>The handle, opened on first use (direct if the file system allows), held for the caller until it releases it.</summary>
    private SafeFileHandle AcquireHandle()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            _handle ??= Open();
            var added = false;
            _handle.DangerousAddRef(ref added);
            return _handle;
        }
    }

    private SafeFileHandle Open()
    {
        var path = _header.FilePath;
        if (DirectOpen.TryOpenUnchanged(path, _opened) is { } direct)
        {
            return direct;
        }

        if (!_refusalLogged)
        {
            _refusalLogged = true;
            LoadLog.DirectReadRefused(_logger, path);
        }

        return ShardChanged.OpenUnchanged(path, _opened);
    }

    /// <summary>Pinned memory the consumer gave: a span cannot travel through the pool's wait.</summary>
    private readonly record struct Destination(nint Address, int Length)
    {
        public Span<byte> Span => new((void*)Address, Length);
    }

    private sealed record Chunk(ReadPool.Pending<int> Job, nint Buffer, long At, int Length);
}
