using System.Runtime.InteropServices;

namespace Checkpoints.Interop;

internal static partial class Libc
{
    /// <summary>Linux and macOS PATH_MAX are 4096 and 1024; the larger buffer serves both.</summary>
    internal const int PathMax = 4096;

    /// <summary><c>char *realpath(const char *path, char *resolved)</c>: resolves every symbolic link, <c>.</c> and <c>..</c> in order.</summary>
    [LibraryImport(LibraryName, EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static unsafe partial byte* Realpath(string path, byte* resolved);
}
