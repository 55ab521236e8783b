using System.Globalization;
using System.Runtime.InteropServices;
using Checkpoints.Files;
using Checkpoints.Interop;
using Microsoft.Win32.SafeHandles;

namespace Checkpoints.Storage.Locks;

/// <summary>
/// An exclusive lock, shared by the processes on this node that use the same lock folder (by default one per user), on
/// one file identified by device and inode (so two paths to the same file are one lock; two mounts of one export are
/// two devices, and two locks). It is an <c>flock</c> on a small file in a checked folder (see
/// <see cref="NodeLockDirectory"/>): the kernel drops it when the holder's descriptor closes, so a crashed holder never
/// blocks the others.
/// </summary>
/// <remarks>
/// Lock files do not pile up: the holder deletes its lock file while it still holds the lock, then closes it. Another
/// process may have opened that file just before, and gets the lock once it is closed, on a file no longer in the
/// folder; so after every <c>flock</c> that succeeds, the name is looked up again and must still be the inode locked
/// (the classic unlink-while-locked pattern), else the lock is dropped and taken again on whatever the name is now.
/// Files left by a crashed holder are reused by the next one, and deleted by it.
/// </remarks>
internal sealed class NodeFileLock : IDisposable
{
    // Each retry means another process released the lock in between: more than a few in a row means something keeps
    // replacing the file (a folder shared with a program that does not follow this pattern), and locking is given up.
    private const int MaxAttempts = 16;
    private const int WouldBlock = 11; // EWOULDBLOCK

    private readonly NodeLockDirectory _directory;
    private readonly string _name;
    private readonly SafeFileHandle _handle;

    private NodeFileLock(NodeLockDirectory directory, string name, SafeFileHandle handle)
    {
        _directory = directory;
        _name = name;
        _handle = handle;
    }

    /// <summary>The lock file of <paramref name="file"/> in <paramref name="directory"/>, for messages.</summary>
    public static string PathOf(NodeLockDirectory directory, FileIdentity file) => Path.Combine(directory.Path, NameOf(file));

    /// <summary>Takes the lock on <paramref name="file"/> if no other holder has it; null when another has.</summary>
    /// <exception cref="IOException">The lock file cannot be created or locked (the folder is not writable, ...).</exception>
    public static NodeFileLock? TryAcquire(NodeLockDirectory directory, FileIdentity file)
    {
        var name = NameOf(file);
        var path = Path.Combine(directory.Path, name);
        var folder = (int)directory.Handle.DangerousGetHandle();
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            // Read-only and 0644: flock needs no write access, so users who share a folder (CKPT_LOCK_DIR) can all lock
            // each other's files. Never through a symbolic link someone planted under the lock's name.
            var fd = Libc.OpenAt(folder, name, Libc.OpenReadOnly | Libc.OpenCreate | Libc.OpenNoFollow | Libc.OpenCloseOnExec, 0x1A4);
            if (fd < 0)
            {
                throw new IOException($"{path}: cannot open the prefetch lock file: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}; set {NodeLockDirectory.DirectoryVariable} to a writable folder");
            }

            var handle = new SafeFileHandle(fd, ownsHandle: true);
            if (Libc.Flock(fd, Libc.LockExclusive | Libc.LockNonBlocking) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                handle.Dispose();
                return errno == WouldBlock
                    ? null
                    : throw new IOException($"{path}: cannot lock the prefetch lock file: {Marshal.GetPInvokeErrorMessage(errno)}");
            }

            bool named;
            try
            {
                named = StillNamed(folder, name, fd, path);
            }
            catch
            {
                handle.Dispose(); // closing it lets the lock go
                throw;
            }

            if (named)
            {
                return new NodeFileLock(directory, name, handle);
            }

            handle.Dispose(); // Its holder deleted it as it let go: lock the file the name gives now.
        }

        throw new IOException($"{path}: the prefetch lock file was replaced {MaxAttempts} times in a row while being locked; something else is changing the lock folder");
    }

    /// <summary>
    /// Who holds the lock on <paramref name="file"/>, from <c>/proc/locks</c>: "pid 1234 (python3)", or null when it is not
    /// known (not held any more, or by a process in another pid namespace, which shows as pid 0 or not at all).
    /// </summary>
    /// <remarks>
    /// <c>/proc/locks</c> rather than a pid written into the lock file: the kernel's table names any holder, also one that is
    /// not ckpt (the <c>flock</c> command, an older version), and is never stale, while a pid in the file outlives a crash
    /// and may by then be another process's.
    /// </remarks>
    public static string? DescribeHolder(NodeLockDirectory directory, FileIdentity file)
    {
        try
        {
            var lockFile = FileStatus.Describe((int)directory.Handle.DangerousGetHandle(), NameOf(file), Libc.AtSymlinkNoFollow, PathOf(directory, file));
            // fs/locks.c prints the device as "%02x:%02x" (major, minor) and the inode in decimal.
            var key = string.Create(CultureInfo.InvariantCulture, $"{lockFile.DevMajor:x2}:{lockFile.DevMinor:x2}:{lockFile.Inode}");
            foreach (var line in File.ReadLines("/proc/locks"))
            {
                // "1: FLOCK  ADVISORY  WRITE 14009 fe:00:11657430 0 EOF"; waiters are listed as "1: -> FLOCK ...".
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length >= 6 && fields[1] == "FLOCK" && fields[5] == key && int.TryParse(fields[4], CultureInfo.InvariantCulture, out var pid) && pid > 0)
                {
                    return $"pid {pid}{CommandOf(pid)}";
                }
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Only for a message: the holder stays unnamed.
        }

        return null;
    }

    /// <summary>Deletes the lock file while still holding the lock (see the remarks of the class), then releases it.</summary>
    public void Dispose()
    {
        if (_handle.IsClosed)
        {
            return;
        }

        if (!_directory.Handle.IsClosed)
        {
            // A failure only leaves the file for the next holder to reuse.
            _ = Libc.UnlinkAt((int)_directory.Handle.DangerousGetHandle(), _name, 0);
        }

        _handle.Dispose();
    }

    private static string NameOf(FileIdentity file) => string.Create(CultureInfo.InvariantCulture, $"{file.Device:x}-{file.Inode}.lock");

    /// <summary>Whether <paramref name="name"/> in the folder is still the file open as <paramref name="fd"/>.</summary>
    private static bool StillNamed(int folder, string name, int fd, string path)
    {
        Libc.StatxBuffer named;
        try
        {
            named = FileStatus.Describe(folder, name, Libc.AtSymlinkNoFollow, path);
        }
        catch (FileNotFoundException)
        {
            return false;
        }

        var locked = FileStatus.Describe(fd, string.Empty, Libc.AtEmptyPath, path);
        return named.Inode == locked.Inode && named.DevMajor == locked.DevMajor && named.DevMinor == locked.DevMinor;
    }

    private static string CommandOf(int pid)
    {
        try
        {
            return $" ({File.ReadAllText(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/comm")).Trim()})";
        }
        catch (Exception exception) when (exception is DirectoryNotFoundException or FileNotFoundException)
        {
            // The kernel names the process that took the lock; it belongs to the open file, which that process may have
            // passed on to a child (flock(1) without --close does) that still holds it.
            return ", which has exited (a process it started still has the lock file open)";
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return string.Empty; // Hidden: the pid alone.
        }
    }
}
