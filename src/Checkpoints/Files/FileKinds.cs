using System.Runtime.InteropServices;
using Checkpoints.Interop;

namespace Checkpoints.Files;

/// <summary>
/// Tells what a path names before it is opened. Opening a named pipe blocks until a writer comes, and devices and
/// kernel pseudo-files report sizes that say nothing of what they hold (<c>/dev/zero</c> and <c>/proc/self/maps</c>
/// look empty), so a shard is opened only once it is known to be a regular file of a stored file system.
/// </summary>
internal static class FileKinds
{
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;

    /// <summary>The kind of file at <paramref name="path"/>, symbolic links followed.</summary>
    /// <exception cref="IOException">The path cannot be examined (no permission on a folder on the way, an I/O error).</exception>
    public static FileKind Of(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return Directory.Exists(path) ? FileKind.Directory : File.Exists(path) ? FileKind.Regular : FileKind.Missing;
        }

        if (!FileStatus.TryDescribe(Libc.AtFdCwd, path, 0, out var status, out var errno))
        {
            return errno is ENOENT or ENOTDIR
                ? FileKind.Missing
                : throw new IOException($"{path}: cannot examine it: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        return FileStatus.TypeOf(status) switch
        {
            Libc.FileTypeRegular => MayBePseudoFile(path, (long)status.Size) ? FileKind.PseudoFile : FileKind.Regular,
            Libc.FileTypeDirectory => FileKind.Directory,
            Libc.FileTypeFifo => FileKind.Fifo,
            Libc.FileTypeCharacterDevice => FileKind.CharacterDevice,
            Libc.FileTypeBlockDevice => FileKind.BlockDevice,
            _ => FileKind.Socket,
        };
    }

    /// <summary>Whether <paramref name="path"/> itself is a symbolic link (to anything, or to nothing).</summary>
    public static bool IsSymbolicLink(string path) =>
        OperatingSystem.IsLinux()
            ? FileStatus.TryDescribe(Libc.AtFdCwd, path, Libc.AtSymlinkNoFollow, out var status, out _) && FileStatus.TypeOf(status) == Libc.FileTypeSymlink
            : File.ResolveLinkTarget(path, false) is not null;

    /// <summary>How a message names the kind: "a named pipe (FIFO)".</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Missing => "nothing",
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.Fifo => "a named pipe (FIFO)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        _ => "a file of a kernel pseudo-file system (procfs, sysfs, ...)",
    };

    /// <summary>
    /// Pseudo-files report 0 bytes (procfs, debugfs, cgroupfs) or one page (sysfs); only those sizes cost a
    /// <c>statfs</c>, which over a network file system is a round trip to the server.
    /// </summary>
    private static unsafe bool MayBePseudoFile(string path, long length)
    {
        if (length is not (0 or 4096))
        {
            return false;
        }

        Libc.LinuxStatfsBuffer buffer;
        return Libc.LinuxStatfs(path, &buffer) == 0 && StatfsMagic.IsKernelPseudoFileSystem(buffer.Type);
    }
}
