using System.Runtime.InteropServices;

namespace Checkpoints.Interop;

internal static partial class Libc
{
    /// <summary><c>int fdatasync(int fd)</c>: writes the file's dirty pages back; it works on a descriptor opened read-only.</summary>
    [LibraryImport(LibraryName, EntryPoint = "fdatasync", SetLastError = true)]
    internal static partial int FDataSync(int fd);
}
