using System.Runtime.InteropServices;

namespace Checkpoints.Interop;

internal static partial class Libc
{
    internal const int WOk = 2;
    internal const int AtEAccess = 0x200;

    /// <summary><c>int faccessat(int dirfd, const char *path, int mode, int flags)</c>; with <c>AT_EACCESS</c> it checks the effective ids, as <c>open</c> would.</summary>
    [LibraryImport(LibraryName, EntryPoint = "faccessat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int FAccessAt(int dirFd, string path, int mode, int flags);
}
