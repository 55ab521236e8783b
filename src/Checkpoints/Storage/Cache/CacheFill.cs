using System.Runtime.InteropServices;
using Checkpoints.Interop;
using Microsoft.Win32.SafeHandles;

namespace Checkpoints.Storage.Cache;

/// <summary>
/// Brings a range of a file into the page cache by faulting it in through a short-lived mapping advised for huge pages,
/// instead of copying it out with <c>pread</c>.
/// </summary>
/// <remarks>
/// Why not a plain read: parallel readers that each start in the middle of a file look random to the kernel's
/// read-ahead, which then fills the cache with 4 KiB folios. A program that later maps the file (our own consumer, or an
/// inference server after <c>ckpt prefetch</c>) then takes a page fault per few dozen KiB and reads cached data at a
/// third of memory speed. Faults under <c>MADV_HUGEPAGE</c> make read-ahead allocate 2 MiB folios, which later maps
/// take with one fault each (measured on a cached 1 GiB shard: 33 GB/s through the map after such a fill, 10-13 GB/s
/// after parallel reads). On a network file system the faults' read-ahead, 2 MiB at a time under the advice, keeps more
/// requests in flight than <c>pread</c>'s 128 KiB windows, and nothing is copied out: warming 4.1 GiB over the 2 ms sshfs
/// mount of the benchmarks took 6.7-7.2 s this way and 9.0-10.6 s with 16 MiB reads (8 workers each, cold). Linux only.
/// </remarks>
internal static class CacheFill
{
    /// <summary>False when the kernel cannot populate a mapping (before 5.14), or off Linux.</summary>
    public static bool IsSupported => MapPopulate.IsSupported;

    /// <summary>
    /// Faults <paramref name="length"/> bytes at <paramref name="offset"/> into the page cache. Returns false, having done
    /// nothing, if the kernel cannot populate a mapping or the file cannot be mapped (some FUSE file systems refuse): the
    /// caller reads instead.
    /// </summary>
    /// <exception cref="IOException">The range could not be read: the file is shorter than the range, or the storage failed.</exception>
    /// <param name="handle">The file, open for reading.</param>
    /// <param name="path">The file's path, for messages.</param>
    /// <param name="offset">Where the range starts.</param>
    /// <param name="length">How many bytes.</param>
    /// <param name="touchPages">Also read one byte of every page filled (see <see cref="TouchEveryPage"/>): only for a file
    /// on local storage, whose pages stay until it is truncated. On a network or FUSE file system the cache can drop a page
    /// between the fill and the touch (the server says the file changed), and the touch then raises SIGBUS.</param>
    /// <param name="exact">Read the range and nothing around it: asked for before the faults, its pages are read exactly, where
    /// faults alone read around and ahead of them (by the device's read-ahead, megabytes on some).</param>
    public static bool TryFill(SafeFileHandle handle, string path, long offset, int length, bool touchPages, bool exact = false)
    {
        if (!IsSupported)
        {
            return false;
        }

        // A mapping starts on a page boundary: widen the range down to the one before the offset.
        var pageSize = Environment.SystemPageSize;
        var start = offset / pageSize * pageSize;
        var size = (nuint)(offset - start + length);
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var address = Libc.MMap(0, size, Libc.ProtRead, Libc.MapShared, (int)handle.DangerousGetHandle(), start);
            if (address == Libc.MapFailed)
            {
                return false;
            }

            try
            {
                // Only a hint: a kernel without transparent huge pages still populates, in small folios.
                _ = Libc.MAdvise(address, size, exact ? Libc.MadvWillNeed : Libc.MadvHugepage);
                var error = MapPopulate.Populate(address, size);
                if (error == 0)
                {
                    // A page past the end of the file raises SIGBUS when touched, and the file may have been truncated
                    // since it was populated (a shard rewritten under a load): touch only what the file still holds. This
                    // narrows the race to the touch itself (microseconds per block) rather than closing it, the same race
                    // a map of a local file always has.
                    // The length is asked only when touching: on a network file system it can be a round trip per block.
                    if (touchPages && RandomAccess.GetLength(handle) - start is > 0 and var held)
                    {
                        TouchEveryPage(address, Math.Min(size, (nuint)held), pageSize);
                    }

                    return true;
                }

                if (error == MapPopulate.EInval)
                {
                    // A mapping the kernel does not populate (a special file system): reading still works.
                    return false;
                }

                // EFAULT is what would have been a SIGBUS: a page past the end of the file, or one the storage could not read.
                throw new IOException($"{path}: reading {length} bytes at byte {offset} into the page cache failed: {Marshal.GetPInvokeErrorMessage(error)} (the file may be shorter than it was, or the storage failed).");
            }
            finally
            {
                _ = Libc.MUnmap(address, size);
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Reads one byte of every page. On bare metal this costs a few microseconds per block; in a virtual machine whose
    /// host takes back freed memory (free page reporting), the first access to each page costs a host fault, and it is
    /// better paid here, by prefetch workers on every core, than by the consumer on its one thread. Measured on such a
    /// machine, cold 4 GiB local load with <c>--strategy prefetch</c>: 3.3-3.5 s touched, 5.7-6.4 s untouched, 3.6-4.7 s
    /// with plain reads.
    /// </summary>
    private static unsafe void TouchEveryPage(nint address, nuint size, int pageSize)
    {
        var bytes = (byte*)address;
        var sum = 0;
        for (nuint offset = 0; offset < size; offset += (nuint)pageSize)
        {
            sum += Volatile.Read(ref bytes[offset]);
        }

        GC.KeepAlive(sum);
    }
}
