using System.Runtime.InteropServices;

namespace Checkpoints.Storage;

internal static partial class Interop
{
    /// <summary><c>int munmap(void *addr, size_t length)</c>.</summary>
    [LibraryImport(Libc, EntryPoint = "munmap", SetLastError = true)]
    internal static partial int MUnmap(nint address, nuint length);
}
