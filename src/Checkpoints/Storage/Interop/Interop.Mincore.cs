using System.Runtime.InteropServices;

namespace Checkpoints.Storage;

internal static partial class Interop
{
    /// <summary><c>int mincore(void *addr, size_t length, unsigned char *vec)</c>: one byte per page, bit 0 set when resident.</summary>
    [LibraryImport(Libc, EntryPoint = "mincore", SetLastError = true)]
    internal static unsafe partial int Mincore(nint address, nuint length, byte* vector);
}
