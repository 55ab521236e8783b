using System.Runtime.InteropServices;
using Checkpoints.Files;
using Checkpoints.Interop;
using Microsoft.Win32.SafeHandles;

namespace Checkpoints.Storage.Locks;

/// <summary>
/// One open of a lock file in a <see cref="NodeLockDirectory"/>, and the byte ranges locked through it: open file
/// description (OFD) write locks, which belong to this open, so that another open of the same file, in this process or
/// another, is another holder, and closing this one drops only its own ranges. Not thread-safe: see
/// <see cref="NodeRangeLock"/>, which uses it.
/// </summary>
internal sealed class NodeLockFile : IDisposable
{
    /// <summary>
    /// The length of a sweep, [0, <see cref="long.MaxValue"/>): the whole file, as no real range is. A holder takes it for
    /// a moment to delete the lock file (see <see cref="TrySweep"/>); another that meets it can tell it from a range held
    /// for a read, and look again instead of passing over a block nobody is reading.
    /// </summary>
    public const long SweepLength = long.MaxValue;

    private const int NoEntry = 2; // ENOENT
    private const int AccessDenied = 13; // EACCES: a conflict, as POSIX allows F_SETLK to report it; or no write access
    private const int WouldBlock = 11; // EAGAIN: a conflict
    private const int InvalidArgument = 22; // EINVAL: no OFD locks (before Linux 3.15)
    private const uint SharedMode = 0x1B6; // 0666
    private const uint PrivateMode = 0x180; // 0600

    // A user whose open meets a lock file another user has just created waits this often for its creator to widen its mode.
    private const int ModeAttempts = 10;

    private readonly NodeLockDirectory _directory;
    private readonly string _name;
    private readonly SafeFileHandle _handle;
    private readonly Libc.StatxBuffer _opened;

    private NodeLockFile(NodeLockDirectory directory, string name, SafeFileHandle handle, Libc.StatxBuffer opened)
    {
        _directory = directory;
        _name = name;
        _handle = handle;
        _opened = opened;
    }

    /// <summary>The lock file, for messages.</summary>
    public string Path => System.IO.Path.Combine(_directory.Path, _name);

    /// <summary>How many ranges this process holds through this open (kept by <see cref="NodeRangeLock"/>).</summary>
    public int Held { get; set; }

    private int Descriptor => (int)_handle.DangerousGetHandle();

    private int Folder => (int)_directory.Handle.DangerousGetHandle();

    /// <summary>Opens (creating if needed) the lock file <paramref name="name"/> in <paramref name="directory"/>, for writing: write locks need it.</summary>
    /// <exception cref="IOException">It cannot be opened for writing (the folder is not writable, another user's file, ...).</exception>
    public static NodeLockFile Open(NodeLockDirectory directory, string name)
    {
        var path = System.IO.Path.Combine(directory.Path, name);
        var folder = (int)directory.Handle.DangerousGetHandle();
        for (var attempt = 1; ; attempt++)
        {
            // Never through a symbolic link someone planted under the lock's name. In a folder other users share, the file
            // is made writable by all of them (its content is never used), so that each can lock ranges of it.
            var fd = Libc.OpenAt(folder, name, Libc.OpenReadWrite | Libc.OpenCreate | Libc.OpenNoFollow | Libc.OpenCloseOnExec,
                directory.IsPrivate ? PrivateMode : SharedMode);
            if (fd >= 0)
            {
                var handle = new SafeFileHandle(fd, ownsHandle: true);
                try
                {
                    var opened = FileStatus.Describe(fd, string.Empty, Libc.AtEmptyPath, path);
                    // The umask narrowed the mode given to openat: widen it, as the owner (so, whoever created the file).
                    if (!directory.IsPrivate && opened.Uid == Libc.GetEUid() && (opened.Mode & SharedMode) != SharedMode)
                    {
                        _ = Libc.FChmod(fd, SharedMode); // A failure leaves other users without coordination, and their open says why.
                    }

                    return new NodeLockFile(directory, name, handle, opened);
                }
                catch
                {
                    handle.Dispose();
                    throw;
                }
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == AccessDenied && !directory.IsPrivate && attempt < ModeAttempts)
            {
                Thread.Sleep(1); // Another user may have created it a moment ago, and not widened its mode yet.
                continue;
            }

            throw new IOException($"{path}: cannot open the prefetch lock file for writing (byte-range locks need it): {Marshal.GetPInvokeErrorMessage(errno)}; set {NodeLockDirectory.DirectoryVariable} to a writable folder");
        }
    }

    /// <summary>Locks [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>) without waiting; false when another holder has some of it.</summary>
    /// <exception cref="IOException">The kernel or the folder's file system cannot lock (no OFD locks, a remote lock manager that fails, ...).</exception>
    public unsafe bool TryLock(long start, long length)
    {
        var record = new Libc.RecordLock { Type = Libc.LockTypeWrite, Whence = Libc.SeekSet, Start = start, Length = length };
        if (Libc.FcntlLock(Descriptor, Libc.FcntlOfdSetLock, &record) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno is WouldBlock or AccessDenied
            ? false
            : throw new IOException(errno == InvalidArgument
                ? $"{Path}: the kernel or the file system of the lock folder does not support open file description locks (F_OFD_SETLK, Linux 3.15+)"
                : $"{Path}: cannot lock bytes [{start}, {start + length}) of the prefetch lock file: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    /// <summary>Drops this open's locks on [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>) (a length of 0: to the end, so all of them).</summary>
    public unsafe void Unlock(long start, long length)
    {
        var record = new Libc.RecordLock { Type = Libc.LockTypeUnlock, Whence = Libc.SeekSet, Start = start, Length = length };
        // Unlocking a valid range of a file open for writing does not fail; if it ever did, closing the open still would.
        _ = Libc.FcntlLock(Descriptor, Libc.FcntlOfdSetLock, &record);
    }

    /// <summary>The range of a lock another holder has that overlaps the given one, or null when none does (or the kernel cannot tell).</summary>
    public unsafe (long Start, long Length)? FindConflict(long start, long length)
    {
        var record = new Libc.RecordLock { Type = Libc.LockTypeWrite, Whence = Libc.SeekSet, Start = start, Length = length };
        return Libc.FcntlLock(Descriptor, Libc.FcntlOfdGetLock, &record) == 0 && record.Type != Libc.LockTypeUnlock
            ? (record.Start, record.Length)
            : null;
    }

    /// <summary>Whether the lock file's name in the folder is still the file open here (its last holder may have deleted it).</summary>
    /// <exception cref="IOException">The name cannot be looked up.</exception>
    public bool IsNamed()
    {
        if (!FileStatus.TryDescribe(Folder, _name, Libc.AtSymlinkNoFollow, out var named, out var errno))
        {
            return errno == NoEntry
                ? false
                : throw new IOException($"{Path}: cannot look up the prefetch lock file: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        return named.Inode == _opened.Inode && named.DevMajor == _opened.DevMajor && named.DevMinor == _opened.DevMinor;
    }

    /// <summary>
    /// Deletes the lock file if no holder, in any process, has any range of it: with a write lock on the whole file
    /// taken without waiting, which only then succeeds, and which keeps every other holder from taking a range until
    /// this open is closed. Only when this open holds no range itself (its own would merge into the sweep). True when
    /// this open is done with: the file deleted, or found deleted already; the caller then closes it.
    /// </summary>
    /// <exception cref="IOException">The whole file cannot be locked for a reason other than another holder.</exception>
    public bool TrySweep()
    {
        if (!TryLock(0, SweepLength))
        {
            return false; // Another holder's: the last of them to let go deletes the file.
        }

        // Deleted by nobody while the sweep lock is held: only a holder of the whole file deletes it.
        if (IsNamed())
        {
            _ = Libc.UnlinkAt(Folder, _name, 0); // A failure (another user's file in a sticky folder) leaves it for the next holder to reuse.
        }

        return true;
    }

    /// <summary>Closes the open, which drops whatever ranges it still holds.</summary>
    public void Dispose() => _handle.Dispose();
}
