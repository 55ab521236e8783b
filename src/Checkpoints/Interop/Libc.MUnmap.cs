using System.Runtime.InteropServices;

namespace Checkpoints.Interop;

internal static partial class Libc
{
    /// <summary><c>int munmap(void *addr, size_t length)</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "munmap", SetLastError = true)]
    internal static partial int MUnmap(nint address, nuint length);
}
