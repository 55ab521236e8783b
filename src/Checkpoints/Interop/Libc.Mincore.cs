using System.Runtime.InteropServices;

namespace Checkpoints.Interop;

internal static partial class Libc
{
    /// <summary><c>int mincore(void *addr, size_t length, unsigned char *vec)</c>: one byte per page, bit 0 set when resident.</summary>
    [LibraryImport(LibraryName, EntryPoint = "mincore", SetLastError = true)]
    internal static unsafe partial int Mincore(nint address, nuint length, byte* vector);
}
