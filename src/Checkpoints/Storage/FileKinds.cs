using System.Runtime.InteropServices;

namespace Checkpoints.Storage;

/// <summary>
/// Tells what a path names before it is opened. Opening a named pipe blocks until a writer comes, and devices and
/// kernel pseudo-files report sizes that say nothing of what they hold (<c>/dev/zero</c> and <c>/proc/self/maps</c>
/// look empty), so a shard is opened only once it is known to be a regular file of a stored file system.
/// </summary>
internal static class FileKinds
{
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;
    private const int AtSymlinkNoFollow = 0x100;

    // File types of st_mode (S_IFMT and its values).
    private const int TypeMask = 0xF000;
    private const int TypeFifo = 0x1000;
    private const int TypeCharacter = 0x2000;
    private const int TypeDirectory = 0x4000;
    private const int TypeBlock = 0x6000;
    private const int TypeRegular = 0x8000;
    private const int TypeSocket = 0xC000;

    /// <summary>The kind of file at <paramref name="path"/>, symbolic links followed.</summary>
    /// <exception cref="IOException">The path cannot be examined (no permission on a folder on the way, an I/O error).</exception>
    public static FileKind Of(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return Directory.Exists(path) ? FileKind.Directory : File.Exists(path) ? FileKind.Regular : FileKind.Missing;
        }

        var mode = Mode(path, followLinks: true, out var errno);
        if (mode is null)
        {
            return errno is ENOENT or ENOTDIR
                ? FileKind.Missing
                : throw new IOException($"{path}: cannot examine it: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        return (mode.Value & TypeMask) switch
        {
            TypeRegular => MayBePseudoFile(path) ? FileKind.PseudoFile : FileKind.Regular,
            TypeDirectory => FileKind.Directory,
            TypeFifo => FileKind.Fifo,
            TypeCharacter => FileKind.CharacterDevice,
            TypeBlock => FileKind.BlockDevice,
            _ => FileKind.Socket,
        };
    }

    /// <summary>Whether <paramref name="path"/> itself is a symbolic link (to anything, or to nothing).</summary>
    public static bool IsSymbolicLink(string path) =>
        OperatingSystem.IsLinux() ? Mode(path, followLinks: false, out _) is { } mode && (mode & TypeMask) == 0xA000 : File.ResolveLinkTarget(path, false) is not null;

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

    private static unsafe int? Mode(string path, bool followLinks, out int errno)
    {
        Interop.StatxBuffer buffer;
        if (Interop.Statx(Interop.AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, Interop.StatxBasicStats, &buffer) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }

        errno = 0;
        return buffer.Mode;
    }

    /// <summary>
    /// Pseudo-files report 0 bytes (procfs, debugfs, cgroupfs) or one page (sysfs); only those sizes cost a
    /// <c>statfs</c>, which over a network file system is a round trip to the server.
    /// </summary>
    private static unsafe bool MayBePseudoFile(string path)
    {
        var length = new FileInfo(path).Length;
        if (length is not (0 or 4096))
        {
            return false;
        }

        Interop.LinuxStatfsBuffer buffer;
        return Interop.LinuxStatfs(path, &buffer) == 0 && StatfsMagic.IsKernelPseudoFileSystem(buffer.Type);
    }
}
