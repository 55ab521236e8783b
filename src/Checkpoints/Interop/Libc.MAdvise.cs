using System.Runtime.InteropServices;

namespace Checkpoints.Interop;

internal static partial class Libc
{
    /// <summary>
    /// Drop the range's page-table entries now; for a shared file mapping the pages stay in the page cache, and touching
    /// the range again maps them back in (from the cache, or read again if evicted).
    /// </summary>
    internal const int MadvDontNeed = 4;

    /// <summary>
    /// Start reading the range into the page cache (for a file mapping, the file's bytes behind it), exactly the range:
    /// the pages are not marked for read-ahead, so faults on them later read nothing more.
    /// </summary>
    internal const int MadvWillNeed = 3;

    /// <summary>Reclaim the range's pages now (Linux 5.4+); the mapping stays valid and faults them back in if touched.</summary>
    internal const int MadvPageout = 21;

    /// <summary>
    /// Back the range with transparent huge pages where possible; for a file mapping this makes the kernel's read-ahead
    /// fill the page cache with 2 MiB folios, which later maps of the file can map with one page-table entry each.
    /// </summary>
    internal const int MadvHugepage = 14;

    /// <summary>Fault the whole range in now, reading what is not cached (Linux 5.14+); fails instead of raising SIGBUS.</summary>
    internal const int MadvPopulateRead = 22;

    /// <summary><c>int madvise(void *addr, size_t length, int advice)</c>; <paramref name="address"/> must be page-aligned.</summary>
    [LibraryImport(LibraryName, EntryPoint = "madvise", SetLastError = true)]
    internal static partial int MAdvise(nint address, nuint length, int advice);
}
