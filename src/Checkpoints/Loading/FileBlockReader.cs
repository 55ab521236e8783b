using Checkpoints.Storage;
using Microsoft.Win32.SafeHandles;

namespace Checkpoints.Loading;

/// <summary>Reads the prefetcher's files with positional reads, one handle per file opened on first use.</summary>
internal sealed class FileBlockReader(IReadOnlyList<string> paths) : IBlockReader
{
    private readonly SafeFileHandle?[] _handles = new SafeFileHandle?[paths.Count];
    private readonly Lock _lock = new();
    private bool _disposed;

    public string PathOf(int file) => paths[file];

    public int Read(int file, Span<byte> buffer, long offset) => RandomAccess.Read(Handle(file), buffer, offset);

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var handle in _handles)
            {
                // SafeHandle defers the close until a read in flight on another thread returns.
                handle?.Dispose();
            }
        }
    }

    private SafeFileHandle Handle(int file)
    {
        var handle = Volatile.Read(ref _handles[file]);
        if (handle is not null)
        {
            return handle;
        }

        lock (_lock)
        {
            // A worker that outlived Dispose must not open (and leak) a new handle.
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_handles[file] is { } existing)
            {
                return existing;
            }

            handle = File.OpenHandle(paths[file], FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
            try
            {
                // Doubles the kernel's read-ahead for this handle; a refusal only loses the hint.
                PageCache.Advise(handle, paths[file], 0, 0, CacheAdvice.Sequential);
            }
            catch (IOException)
            {
            }

            return _handles[file] = handle;
        }
    }
}
