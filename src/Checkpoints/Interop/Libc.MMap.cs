using System.Runtime.InteropServices;

namespace Checkpoints.Interop;

internal static partial class Libc
{
    internal const int ProtRead = 0x1;
    internal const int MapShared = 0x01;

    /// <summary><c>MAP_FAILED</c>.</summary>
    internal static readonly nint MapFailed = -1;

    /// <summary><c>void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)</c> (64-bit <c>off_t</c>).</summary>
    [LibraryImport(LibraryName, EntryPoint = "mmap", SetLastError = true)]
    internal static partial nint MMap(nint address, nuint length, int protection, int flags, int fd, long offset);
}
