using System.Runtime.InteropServices;

namespace Checkpoints.Storage;

internal static partial class Interop
{
    /// <summary>Reclaim the range's pages now (Linux 5.4+); the mapping stays valid and faults them back in if touched.</summary>
    internal const int MadvPageout = 21;

    /// <summary><c>int madvise(void *addr, size_t length, int advice)</c>; <paramref name="address"/> must be page-aligned.</summary>
    [LibraryImport(Libc, EntryPoint = "madvise", SetLastError = true)]
    internal static partial int MAdvise(nint address, nuint length, int advice);
}
