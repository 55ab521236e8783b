using System.Globalization;
using Checkpoints.Files;

namespace Checkpoints.Storage.Locks;

/// <summary>
/// Exclusive locks on byte ranges of one file (identified by device and inode, so two paths to the same file are one
/// file; two mounts of one export are two devices, and two files), shared by the processes of this node that use the
/// same lock folder (by default one per user). A range held here keeps every other holder, in another process or
/// another <see cref="NodeRangeLock"/> of this one, from any range that overlaps it; ranges that do not overlap are held
/// at once. They are open file description locks (<c>fcntl</c> <c>F_OFD_SETLK</c>) on the file's lock file in a checked
/// folder (see <see cref="NodeLockDirectory"/>), over the same bytes of the lock file as of the file: the kernel drops
/// them when the holder's descriptor closes, so a crashed holder never blocks the others.
/// </summary>
/// <remarks>
/// <para>
/// Lock files do not pile up and are never deleted under another holder: a holder that lets go of its last range takes
/// a write lock on the whole lock file without waiting, which succeeds only when nobody has any range of it, then deletes
/// the file and closes it (<see cref="NodeLockFile.TrySweep"/>). Another process may have opened the file just before,
/// and have its range granted on a file no longer in the folder; so after every lock that succeeds the name is looked up
/// again and must still be the file locked (the unlink-while-locked pattern), else the range is dropped and taken again
/// on whatever the name is now. Files left by a crashed holder are reused by the next one, and deleted by it.
/// </para>
/// <para>
/// Ranges held here must not overlap each other: the kernel merges a holder's own overlapping locks, and unlocking one
/// would unlock the other's bytes. Not thread-safe: its user serialises the calls (they never wait).
/// </para>
/// </remarks>
internal sealed class NodeRangeLock : IDisposable
{
    // Each retry means another holder deleted the file in between: more than a few in a row means something keeps
    // replacing it (a folder shared with a program that does not follow this pattern), and locking is given up.
    private const int MaxAttempts = 16;

    // A sweep lasts a few system calls; one that has not ended after this many looks is treated as a holder.
    private const int MaxSweepWaits = 20;

    private readonly NodeLockDirectory _directory;
    private readonly string _name;
    private readonly Dictionary<(long Start, long Length), NodeLockFile> _held = [];
    private readonly List<NodeLockFile> _retired = [];
    private NodeLockFile? _current;
    private bool _disposed;

    /// <summary>The locks on <paramref name="file"/>'s ranges in <paramref name="directory"/>. Nothing is opened until the first <see cref="TryLock"/>.</summary>
    public NodeRangeLock(NodeLockDirectory directory, FileIdentity file)
    {
        _directory = directory;
        _name = NameOf(file);
    }

    /// <summary>The lock file, for messages.</summary>
    public string LockFilePath => Path.Combine(_directory.Path, _name);

    /// <summary>The lock file of <paramref name="file"/> in <paramref name="directory"/>, for messages and tests.</summary>
    public static string PathOf(NodeLockDirectory directory, FileIdentity file) => Path.Combine(directory.Path, NameOf(file));

    /// <summary>
    /// Takes [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>) if no other holder has any
    /// of it; false when another has.
    /// </summary>
    /// <exception cref="IOException">The lock file cannot be opened or locked (the folder is not writable, no OFD locks, ...).</exception>
    /// <exception cref="InvalidOperationException">The range overlaps one this object holds already.</exception>
    public bool TryLock(long start, long length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        foreach (var (heldStart, heldLength) in _held.Keys)
        {
            if (start < heldStart + heldLength && heldStart < start + length)
            {
                throw new InvalidOperationException($"{LockFilePath}: bytes [{start}, {start + length}) overlap bytes [{heldStart}, {heldStart + heldLength}), held here already");
            }
        }

        var sweeps = 0;
        for (var attempt = 0; attempt < MaxAttempts;)
        {
            var file = _current ??= NodeLockFile.Open(_directory, _name);
            if (!file.TryLock(start, length))
            {
                if (sweeps++ < MaxSweepWaits && file.FindConflict(start, length) is (0, NodeLockFile.SweepLength))
                {
                    // A holder deleting the file as it lets go: over in microseconds, after which the range is free.
                    Thread.Sleep(1);
                    continue;
                }

                return false;
            }

            bool named;
            try
            {
                named = file.IsNamed();
            }
            catch
            {
                file.Unlock(start, length);
                throw;
            }

            if (named)
            {
                file.Held++;
                _held.Add((start, length), file);
                return true;
            }

            // Its last holder deleted it as it let go: lock the file the name gives now. This open is closed once it holds
            // nothing (it may still hold ranges if something outside this pattern deleted the file under them).
            file.Unlock(start, length);
            _current = null;
            Retire(file);
            attempt++;
        }

        throw new IOException($"{LockFilePath}: the prefetch lock file was replaced {MaxAttempts} times in a row while being locked; something else is changing the lock folder");
    }

    /// <summary>
    /// Lets go of a range <see cref="TryLock"/> took (nothing when it is not held). After the last one, deletes the lock
    /// file if no other holder has any range of it.
    /// </summary>
    public void Unlock(long start, long length)
    {
        if (!_held.Remove((start, length), out var file))
        {
            return;
        }

        file.Unlock(start, length);
        if (--file.Held > 0)
        {
            return;
        }

        if (file != _current)
        {
            Retire(file);
            return;
        }

        bool done;
        try
        {
            done = file.TrySweep();
        }
        catch (IOException)
        {
            done = true; // Closed without deleting: the file is reused by the next holder.
        }

        if (done)
        {
            _current = null;
            file.Dispose();
        }

        // Otherwise another holder has a range of it, and deletes it after its last one; this open stays for the next range.
    }

    /// <summary>Lets go of every range (closing the opens drops them), deleting the lock file if no other holder has any range of it.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _held.Clear();
        foreach (var retired in _retired)
        {
            retired.Dispose();
        }

        _retired.Clear();
        if (_current is { } current)
        {
            try
            {
                current.Unlock(0, 0);
                current.TrySweep();
            }
            catch (IOException)
            {
                // Closed without deleting: the file is reused by the next holder.
            }

            current.Dispose();
            _current = null;
        }
    }

    private static string NameOf(FileIdentity file) => string.Create(CultureInfo.InvariantCulture, $"{file.Device:x}-{file.Inode}.ranges.lock");

    /// <summary>An open no longer named by the folder: closed now if it holds nothing, else once its last range goes.</summary>
    private void Retire(NodeLockFile file)
    {
        if (file.Held == 0)
        {
            _retired.Remove(file);
            file.Dispose();
        }
        else if (!_retired.Contains(file))
        {
            _retired.Add(file);
        }
    }
}
