using System.Runtime.InteropServices;

namespace Checkpoints.Interop;

internal static partial class Libc
{
    internal const int ErrorExists = 17; // EEXIST

    /// <summary>
    /// <c>int mkdir(const char *path, mode_t mode)</c>: unlike .NET's own, the folder is created with the mode asked for
    /// (less the umask) from the start, so there is no moment when it is open to others.
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "mkdir", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int MkDir(string path, uint mode);
}
