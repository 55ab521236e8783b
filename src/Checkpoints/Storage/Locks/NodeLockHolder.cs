using System.Diagnostics;
using System.Globalization;
using Checkpoints.Files;
using Checkpoints.Interop;

namespace Checkpoints.Storage.Locks;

/// <summary>
/// Who holds a byte range of a lock file (see <see cref="NodeRangeLock"/>), for messages: "pid 1234 (python3)".
/// </summary>
/// <remarks>
/// <para>
/// Open file description locks belong to an open file, not to a process, and the kernel shows them without a pid:
/// <c>1: OFDLCK ADVISORY WRITE -1 fe:00:1234 0 16777215</c> in <c>/proc/locks</c> (Linux 6.18 still). The same line
/// appears in <c>/proc/PID/fdinfo/FD</c> of each descriptor open on that file description (as <c>lock:</c>), so the
/// holder is found by looking at the descriptors of every process for one open on the lock file with a lock line over
/// the range. That reads a small file per descriptor on the node, bounded by <see cref="Budget"/>, and is done only for
/// a message. Processes of other users are hidden from a user who is not root, and processes of another pid namespace
/// (another container) from everyone in this one: their holds stay unnamed.
/// </para>
/// <para>
/// The kernel's tables rather than a pid written into the lock file: they name any holder, also one that is not ckpt,
/// and are never stale, while a pid in the file outlives a crash and may by then be another process's.
/// </para>
/// </remarks>
internal static class NodeLockHolder
{
    /// <summary>What <see cref="Describe"/> says of a holder it cannot name.</summary>
    public const string Unnamed = "another process on this node, whose pid is not visible here";

    /// <summary>How long the search of descriptors may take before the holder is left unnamed.</summary>
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The process holding some of [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>) of
    /// <paramref name="lockFile"/>: "pid 1234 (python3)", or <see cref="Unnamed"/> when it is hidden from this process
    /// (see the remarks); null when nobody holds any of the range now.
    /// </summary>
    /// <param name="lockFile">The lock file.</param>
    /// <param name="start">The range's first byte.</param>
    /// <param name="length">The range's length.</param>
    /// <param name="procRoot">Where proc is mounted (tests give a fixture tree).</param>
    public static string? Describe(string lockFile, long start, long length, string procRoot = "/proc")
    {
        try
        {
            if (!FileStatus.TryDescribe(Libc.AtFdCwd, lockFile, Libc.AtSymlinkNoFollow, out var status, out _))
            {
                return null; // Deleted: its last holder let go.
            }

            // fs/locks.c prints the device as "%02x:%02x" (major, minor) and the inode in decimal.
            var key = string.Create(CultureInfo.InvariantCulture, $"{status.DevMajor:x2}:{status.DevMinor:x2}:{status.Inode}");
            if (HolderInLocks(procRoot, key, start, length) is not { } pid)
            {
                return null;
            }

            if (pid > 0)
            {
                return Name(procRoot, pid); // A classic fcntl lock (a program other than ckpt) names its process.
            }

            // Not among the descriptors: hidden from this process, or let go meanwhile (so not worth naming).
            return FindByDescriptor(procRoot, status, key, start, length)
                ?? (HolderInLocks(procRoot, key, start, length) is null ? null : Unnamed);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return Unnamed; // Only for a message.
        }
    }

    /// <summary>
    /// The pid a lock line gives (-1 for an OFD lock) when it is a granted record lock on <paramref name="key"/> that
    /// overlaps the range; null otherwise. "1: OFDLCK ADVISORY WRITE -1 fe:00:1234 0 EOF"; waiters are "1: -> OFDLCK ...".
    /// </summary>
    internal static int? HolderIn(string line, string key, long start, long length)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 8 || fields[1] is not ("OFDLCK" or "POSIX") || fields[5] != key
            || !int.TryParse(fields[4], CultureInfo.InvariantCulture, out var pid)
            || !long.TryParse(fields[6], CultureInfo.InvariantCulture, out var first))
        {
            return null;
        }

        // The last byte, inclusive, or EOF: to the end of any file. A sweep (a holder deleting the file as it lets go,
        // see NodeLockFile.TrySweep) holds nothing anybody waits for: it is over in microseconds.
        var last = fields[7] == "EOF" ? long.MaxValue : long.TryParse(fields[7], CultureInfo.InvariantCulture, out var end) ? end : -1;
        var sweep = first == 0 && last == NodeLockFile.SweepLength - 1;
        return !sweep && first < start + length && last >= start ? pid : null;
    }

    /// <summary>The pid of the first lock <c>/proc/locks</c> lists over the range (-1 for an OFD lock); null when none is.</summary>
    private static int? HolderInLocks(string procRoot, string key, long start, long length)
    {
        int? holder = null;
        foreach (var line in File.ReadLines(Path.Combine(procRoot, "locks")))
        {
            if (HolderIn(line, key, start, length) is { } pid && (holder is null || pid > 0))
            {
                holder = pid; // A pid, when some lock has one, is worth more than the -1 of an OFD lock.
            }
        }

        return holder;
    }

    private static string? FindByDescriptor(string procRoot, Libc.StatxBuffer lockFile, string key, long start, long length)
    {
        var clock = Stopwatch.StartNew();
        foreach (var process in Directory.EnumerateDirectories(procRoot))
        {
            if (!int.TryParse(Path.GetFileName(process), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            if (clock.Elapsed > Budget)
            {
                return null;
            }

            try
            {
                foreach (var descriptor in Directory.EnumerateFileSystemEntries(Path.Combine(process, "fd")))
                {
                    // The descriptor's link, followed, is the open file: compared by device and inode, whatever path it was opened by.
                    if (FileStatus.TryDescribe(Libc.AtFdCwd, descriptor, 0, out var open, out _)
                        && open.Inode == lockFile.Inode && open.DevMajor == lockFile.DevMajor && open.DevMinor == lockFile.DevMinor
                        && File.ReadLines(Path.Combine(process, "fdinfo", Path.GetFileName(descriptor)))
                            .Any(line => line.StartsWith("lock:", StringComparison.Ordinal) && HolderIn(line[5..].Trim(), key, start, length) is not null))
                    {
                        return Name(procRoot, pid);
                    }
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Exited meanwhile, or another user's: the next process.
            }
        }

        return null;
    }

    private static string Name(string procRoot, int pid)
    {
        try
        {
            var command = File.ReadAllText(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "comm")).Trim();
            return string.Create(CultureInfo.InvariantCulture, $"pid {pid} ({command})");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return string.Create(CultureInfo.InvariantCulture, $"pid {pid}"); // Exited since, or hidden: the pid alone.
        }
    }
}
