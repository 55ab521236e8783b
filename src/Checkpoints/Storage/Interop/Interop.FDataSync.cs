using System.Runtime.InteropServices;

namespace Checkpoints.Storage;

internal static partial class Interop
{
    /// <summary><c>int fdatasync(int fd)</c>: writes the file's dirty pages back; it works on a descriptor opened read-only.</summary>
    [LibraryImport(Libc, EntryPoint = "fdatasync", SetLastError = true)]
    internal static partial int FDataSync(int fd);
}
