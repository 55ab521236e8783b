using System.Runtime.InteropServices;

namespace Checkpoints.Interop;

internal static partial class Libc
{
    internal const int AtFdCwd = -100;
    internal const uint StatxBasicStats = 0x7FF;

    /// <summary>Asks for <see cref="StatxBuffer.MountId"/> (Linux 5.8+); the kernel sets this bit in the mask when it filled it.</summary>
    internal const uint StatxMountId = 0x1000;

    /// <summary>With an empty path, <c>statx</c> describes the open file <c>dirfd</c> itself (an <c>fstat</c>).</summary>
    internal const int AtEmptyPath = 0x1000;

    /// <summary>Describe a symbolic link itself rather than what it points to (an <c>lstat</c>).</summary>
    internal const int AtSymlinkNoFollow = 0x100;

    /// <summary>The file type bits of <see cref="StatxBuffer.Mode"/>, and the types among them.</summary>
    internal const int FileTypeMask = 0xF000;
    internal const int FileTypeFifo = 0x1000;
    internal const int FileTypeCharacterDevice = 0x2000;
    internal const int FileTypeDirectory = 0x4000;
    internal const int FileTypeBlockDevice = 0x6000;
    internal const int FileTypeRegular = 0x8000;
    internal const int FileTypeSymlink = 0xA000;

    /// <summary>Linux <c>struct statx</c> (include/uapi/linux/stat.h): the same layout on every architecture, unlike <c>struct stat</c>.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    internal struct StatxBuffer
    {
        [FieldOffset(0)] public uint Mask;
        [FieldOffset(20)] public uint Uid;
        [FieldOffset(24)] public uint Gid;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Inode;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(112)] public long ModifiedSeconds;
        [FieldOffset(120)] public uint ModifiedNanoseconds;
        [FieldOffset(136)] public uint DevMajor;
        [FieldOffset(140)] public uint DevMinor;
        [FieldOffset(144)] public ulong MountId;
    }

    /// <summary><c>int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *buf)</c> (glibc 2.28+).</summary>
    [LibraryImport(LibraryName, EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static unsafe partial int Statx(int dirFd, string path, int flags, uint mask, StatxBuffer* buffer);
}
