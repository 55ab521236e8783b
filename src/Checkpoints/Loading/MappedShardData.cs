using System.IO.MemoryMappedFiles;
using Checkpoints.Storage;

namespace Checkpoints.Loading;

/// <summary>A shard mapped read-only into the address space: zero-copy, and page faults do the I/O.</summary>
internal sealed unsafe class MappedShardData : ShardData
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private int _disposed;

    private MappedShardData(MemoryMappedFile file, MemoryMappedViewAccessor view, long length)
    {
        _file = file;
        _view = view;
        Length = length;
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + view.PointerOffset;
    }

    public override long Length { get; }

    /// <summary>Maps <paramref name="path"/>, refusing when its length is no longer what the header was checked against.</summary>
    public static MappedShardData Open(string path, long expectedLength)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 1);
        MemoryMappedFile? file = null;
        try
        {
            var length = stream.Length;
            if (length != expectedLength)
            {
                throw ShardChanged.Length(path, expectedLength, length);
            }

            file = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            return new MappedShardData(file, view, length);
        }
        catch
        {
            if (file is null)
            {
                stream.Dispose();
            }
            else
            {
                file.Dispose();
            }

            throw;
        }
    }

    public override ReadOnlySpan<byte> GetSpan(long offset, int length)
    {
        // Narrows, without closing, the window for a reader racing Dispose: never a span over an unmapped view once seen.
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return new(_base + offset, length);
    }

    /// <summary>
    /// Pages the range out of this process and out of the page cache (<c>MADV_PAGEOUT</c>). Pages the consumer has read
    /// through the map stay "active" and would otherwise be kept, while pages the prefetcher read for what comes next
    /// are still "inactive" and are reclaimed first: under a memory limit the prefetch would evict its own work.
    /// </summary>
    public override void ReleaseBehind(long offset, long length)
    {
        if (!OperatingSystem.IsLinux() || Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        var page = Environment.SystemPageSize;
        var start = (offset + page - 1) / page * page;
        var end = Math.Min(offset + length, Length) / page * page;
        if (end > start)
        {
            // A kernel without MADV_PAGEOUT (before 5.4) refuses it; the hint is then simply not given.
            _ = Interop.MAdvise((nint)(_base + start), (nuint)(end - start), Interop.MadvPageout);
        }
    }

    public override bool IsAligned(long offset, int alignment) => (nuint)(_base + offset) % (nuint)alignment == 0;

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
