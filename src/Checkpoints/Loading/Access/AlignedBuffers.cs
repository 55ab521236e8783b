using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Checkpoints.Loading.Access;

/// <summary>
/// Native buffers aligned for direct I/O, kept and reused: memory the process touches once, however many bytes pass
/// through it (fresh memory is slow to touch on some virtual machines, and the page cache is what direct reads avoid).
/// </summary>
/// <remarks>
/// A buffer returned after <see cref="Dispose"/> (a read that outlived an abandoned wait) is freed at once.
/// </remarks>
internal sealed unsafe class AlignedBuffers(int bufferBytes, int alignment) : IDisposable
{
    private readonly ConcurrentBag<nint> _free = [];
    private int _disposed;

    public nint Rent()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _free.TryTake(out var buffer) ? buffer : (nint)NativeMemory.AlignedAlloc((nuint)bufferBytes, (nuint)alignment);
    }

    public void Return(nint buffer)
    {
        _free.Add(buffer);
        if (Volatile.Read(ref _disposed) != 0)
        {
            FreeAll();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            FreeAll();
        }
    }

    private void FreeAll()
    {
        while (_free.TryTake(out var buffer))
        {
            NativeMemory.AlignedFree((void*)buffer);
        }
    }
}
