using Checkpoints.Files;
using Checkpoints.Storage.Cache;
using Microsoft.Win32.SafeHandles;

namespace Checkpoints.Loading.Prefetch;

/// <summary>
/// Reads the prefetcher's files into the page cache: by faulting each block in through a huge-page mapping
/// (<see cref="CacheFill"/>: large folios that later maps take cheaply, bigger read-ahead over a network, no copy), or,
/// where the kernel or the file system cannot, with positional reads into the caller's scratch buffer. A file is opened on its
/// first read and its handle kept for the blocks that follow, but at most <see cref="MaxOpenFiles"/> handles stay
/// open: the least recently used one no read is using is closed first. A handle per shard held to the end would make a checkpoint of thousands of shards need
/// thousands of descriptors, and the runtime, which keeps one per assembly it loads, fails when none is left.
/// </summary>
/// <param name="paths">The files, by number.</param>
/// <param name="touchAfterFill">Per file, whether a mapped fill also reads a byte of every page (see <see cref="CacheFill"/>);
/// null for none. Only for files on local storage: elsewhere a page can vanish between the fill and the touch.</param>
/// <param name="fillByMapping">Bring blocks in through a mapping where possible (tests turn it off to exercise the reads).</param>
/// <param name="exact">Per file, whether to read each block and nothing around it (a selection's ranges on a local disk,
/// whose read-ahead can be megabytes), at the cost of the large folios the faults' own read-ahead would bring; null for
/// none. Over FUSE that costs half the speed (measured over sshfs: 1.4 s where 0.7 s), and its read-ahead is small.</param>
internal sealed class FileBlockReader(IReadOnlyList<string> paths, IReadOnlyList<bool>? touchAfterFill = null, bool fillByMapping = true,
    IReadOnlyList<bool>? exact = null) : IBlockReader
{
    /// <summary>
    /// Handles kept open. The workers read in file order, so the files in use are the few at the front (at most one per
    /// worker, 8 by default); with more workers than this, each file in use still has its handle, only none is kept idle.
    /// </summary>
    internal const int MaxOpenFiles = 16;

    private readonly Dictionary<int, OpenFile> _open = [];
    private readonly Lock _lock = new();
    private long _uses;
    private bool _disposed;

    public string PathOf(int file) => paths[file];

    public int Read(int file, Span<byte> buffer, long offset)
    {
        var open = Acquire(file);
        try
        {
            if (PageCache.IsCached(open.Handle, offset, buffer.Length))
            {
                // Another process read it meanwhile (local ranks reading the same bytes, one after the other): filling it
                // again would only map and unmap pages that are there.
                return buffer.Length;
            }

            if (open.Mappable && CacheFill.TryFill(open.Handle, paths[file], offset, buffer.Length, touchAfterFill?[file] ?? false, exact?[file] ?? false))
            {
                return buffer.Length;
            }

            // Not tried again for this file: the kernel or the file system refused, and a refusal does not go away.
            open.Mappable = false;
            return RandomAccess.Read(open.Handle, buffer, offset);
        }
        finally
        {
            Release(open);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var open in _open.Values)
            {
                // SafeHandle defers the close until a read in flight on another thread returns.
                open.Handle.Dispose();
            }

            _open.Clear();
        }
    }

    private OpenFile Acquire(int file)
    {
        lock (_lock)
        {
            // A worker that outlived Dispose must not open (and leak) a new handle.
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_open.TryGetValue(file, out var existing))
            {
                existing.Readers++;
                return existing;
            }
        }

        // Opened outside the lock: an open stuck on a stalled mount must hold up neither the other workers nor Dispose.
        var mappable = fillByMapping && CacheFill.IsSupported;
        var handle = Open(paths[file], mappable);
        lock (_lock)
        {
            if (_disposed)
            {
                handle.Dispose();
                throw new ObjectDisposedException(nameof(FileBlockReader));
            }

            if (_open.TryGetValue(file, out var raced))
            {
                // Another worker opened it meanwhile: one handle per file is enough.
                handle.Dispose();
                raced.Readers++;
                return raced;
            }

            var open = new OpenFile(handle) { Readers = 1, Mappable = mappable };
            _open.Add(file, open);
            CloseIdleBeyondLimit();
            return open;
        }
    }

    private void Release(OpenFile open)
    {
        lock (_lock)
        {
            open.Readers--;
            open.LastUse = ++_uses;
            if (!_disposed)
            {
                CloseIdleBeyondLimit();
            }
        }
    }

    /// <summary>Closes the least recently used handles no read is using until at most <see cref="MaxOpenFiles"/> are open; called under the lock.</summary>
    private void CloseIdleBeyondLimit()
    {
        while (_open.Count > MaxOpenFiles)
        {
            var idle = _open.Where(static entry => entry.Value.Readers == 0).ToList();
            if (idle.Count == 0)
            {
                return;
            }

            var oldest = idle.MinBy(static entry => entry.Value.LastUse);
            oldest.Value.Handle.Dispose();
            _open.Remove(oldest.Key);
        }
    }

    private static SafeFileHandle Open(string path, bool fillByMapping)
    {
        var handle = OpenFileLimit.OpenRead(path);
        if (fillByMapping)
        {
            // Sequential advice would make the faults' read-ahead use small folios again: none for a mapped fill.
            return handle;
        }

        try
        {
            // Doubles the kernel's read-ahead for this handle; a refusal only loses the hint.
            PageCache.Advise(handle, path, 0, 0, CacheAdvice.Sequential);
        }
        catch (IOException)
        {
        }

        return handle;
    }

    /// <summary>An open handle, the reads using it now, and when it was last used.</summary>
    private sealed class OpenFile(SafeFileHandle handle)
    {
        public SafeFileHandle Handle { get; } = handle;

        public int Readers { get; set; }

        public long LastUse { get; set; }

        /// <summary>Whether blocks are still brought in through a mapping (until the kernel or the file system refuses).</summary>
        public bool Mappable { get; set; }
    }
}
