using System.Runtime.InteropServices;

namespace Checkpoints.Interop;

internal static partial class Libc
{
    /// <summary>
    /// Linux <c>struct statfs</c>. Only <c>f_type</c> (a C <c>long</c>, first) is read; the rest is room
    /// (120 bytes on 64-bit targets, rounded up).
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    internal struct LinuxStatfsBuffer
    {
        [FieldOffset(0)] public nint Type;
    }

    /// <summary><c>int statfs(const char *path, struct statfs *buf)</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "statfs", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static unsafe partial int LinuxStatfs(string path, LinuxStatfsBuffer* buffer);
}
