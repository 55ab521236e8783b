using System.Runtime.InteropServices;

namespace Checkpoints.Interop;

internal static partial class Libc
{
    /// <summary>
    /// glibc's <c>struct statvfs</c> on 64-bit Linux (112 bytes, rounded up): unsigned longs and 64-bit block counts.
    /// Only the fragment size and the blocks free to unprivileged users are read.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    internal struct StatvfsBuffer
    {
        [FieldOffset(8)] public ulong FragmentSize;
        [FieldOffset(32)] public ulong BlocksAvailable;
    }

    /// <summary><c>int statvfs(const char *path, struct statvfs *buf)</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "statvfs", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static unsafe partial int Statvfs(string path, StatvfsBuffer* buffer);
}
