using System.Runtime.InteropServices;

namespace Checkpoints.Interop;

internal static partial class Libc
{
    /// <summary><c>int fchmod(int fd, mode_t mode)</c>: on the open descriptor, so it changes the file that was checked, not whatever the path names now.</summary>
    [LibraryImport(LibraryName, EntryPoint = "fchmod", SetLastError = true)]
    internal static partial int FChmod(int fd, uint mode);
}
