using System.Runtime.InteropServices;

namespace Checkpoints.Interop;

internal static partial class Libc
{
    internal const int PosixFadvSequential = 2;
    internal const int PosixFadvWillNeed = 3;
    internal const int PosixFadvDontNeed = 4;

    /// <summary>
    /// <c>int posix_fadvise(int fd, off_t offset, off_t len, int advice)</c> (64-bit <c>off_t</c>). Returns the
    /// error number itself and leaves <c>errno</c> alone, so no SetLastError.
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "posix_fadvise")]
    internal static partial int PosixFadvise(int fd, long offset, long length, int advice);
}
