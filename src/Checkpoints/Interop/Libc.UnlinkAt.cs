using System.Runtime.InteropServices;

namespace Checkpoints.Interop;

internal static partial class Libc
{
    /// <summary><c>int unlinkat(int dirfd, const char *path, int flags)</c> (flags 0: a file, not a folder).</summary>
    [LibraryImport(LibraryName, EntryPoint = "unlinkat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int UnlinkAt(int dirFd, string path, int flags);
}
