using System.Runtime.InteropServices;

namespace Checkpoints.Interop;

internal static partial class Libc
{
    /// <summary>Fail with EEXIST rather than replace the destination.</summary>
    internal const uint RenameNoReplace = 1;

    /// <summary>Swap the two paths in one step; both must exist (Linux 3.15+, and the file system must support it).</summary>
    internal const uint RenameExchange = 2;

    /// <summary><c>int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags)</c> (glibc 2.28+).</summary>
    [LibraryImport(LibraryName, EntryPoint = "renameat2", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int RenameAt2(int oldDirFd, string oldPath, int newDirFd, string newPath, uint flags);
}
