using System.Runtime.InteropServices;

namespace Checkpoints.Interop;

internal static partial class Libc
{
    /// <summary>
    /// <c>int openat(int dirfd, const char *path, int flags, mode_t mode)</c> (flags as for <see cref="Open"/>): a name in
    /// a folder already opened and checked, so the folder cannot be swapped for another between the check and the open.
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "openat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int OpenAt(int dirFd, string path, int flags, uint mode);
}
