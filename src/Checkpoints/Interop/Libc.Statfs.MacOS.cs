using System.Runtime.InteropServices;

namespace Checkpoints.Interop;

internal static partial class Libc
{
    internal const uint MacMntLocal = 0x00001000;

    /// <summary>macOS <c>struct statfs</c> with 64-bit inodes (sys/mount.h, <c>__DARWIN_STRUCT_STATFS64</c>).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 2168)]
    internal unsafe struct MacStatfsBuffer
    {
        [FieldOffset(64)] public uint Flags;
        [FieldOffset(72)] public fixed byte FsTypeName[16];
        [FieldOffset(88)] public fixed byte MountOnName[1024];
        [FieldOffset(1112)] public fixed byte MountFromName[1024];
    }

    /// <summary><c>statfs</c> on arm64 macOS, where the 64-bit-inode structure is the only one.</summary>
    [LibraryImport(LibraryName, EntryPoint = "statfs", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static unsafe partial int MacStatfsArm64(string path, MacStatfsBuffer* buffer);

    /// <summary><c>statfs$INODE64</c> on x64 macOS: the plain symbol there fills the old 32-bit-inode structure.</summary>
    [LibraryImport(LibraryName, EntryPoint = "statfs$INODE64", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static unsafe partial int MacStatfsX64(string path, MacStatfsBuffer* buffer);
}
