using System.Runtime.InteropServices;

namespace Checkpoints.Interop;

internal static partial class Libc
{
    internal const int LockExclusive = 2;
    internal const int LockNonBlocking = 4;
    internal const int LockUnlock = 8;

    /// <summary>
    /// <c>int flock(int fd, int operation)</c>: an advisory lock on the open file description, released by the kernel when
    /// the descriptor closes, also when the holder crashes.
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "flock", SetLastError = true)]
    internal static partial int Flock(int fd, int operation);
}
