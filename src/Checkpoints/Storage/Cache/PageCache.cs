using Checkpoints.Files;
using Microsoft.Win32.SafeHandles;

namespace Checkpoints.Storage.Cache;

/// <summary>
/// What of a file is in the page cache, and the verbs that change it (evict, advise). Linux only; elsewhere the
/// residency is reported unknown and the verbs do nothing and say so.
/// </summary>
internal sealed partial class PageCache
{
    /// <param name="procRoot">Where proc is mounted: <c>self/status</c> tells whether this process holds CAP_FOWNER (see <see cref="MincoreIsTruthful"/>).</param>
    public PageCache(string procRoot)
    {
        ProcRoot = procRoot;
    }

    public string ProcRoot { get; }

    public static PageCache CreateDefault() => new("/proc");

    /// <summary>How many bytes of <paramref name="path"/> are in the page cache.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    public FileResidency GetResidency(string path, CancellationToken cancellationToken = default) =>
        GetResidency(path, allowCachestat: true, cancellationToken);

    /// <summary>As <see cref="GetResidency(string, CancellationToken)"/>; <paramref name="allowCachestat"/> false measures with mincore (tests cover both paths on one kernel).</summary>
    internal FileResidency GetResidency(string path, bool allowCachestat, CancellationToken cancellationToken)
    {
        using var handle = OpenFileLimit.OpenRead(path, FileShare.ReadWrite | FileShare.Delete);
        return GetResidency(handle, path, allowCachestat, cancellationToken);
    }

    /// <summary>
    /// As <see cref="GetResidency(string, CancellationToken)"/>, of a file the caller has open: no open of its own, which
    /// over a network file system is a round trip per file (the loader asks while it has each shard open for its header).
    /// </summary>
    /// <exception cref="IOException">The file cannot be examined.</exception>
    public FileResidency GetResidency(SafeFileHandle handle, string path, CancellationToken cancellationToken = default) =>
        GetResidency(handle, path, allowCachestat: true, cancellationToken);

    private FileResidency GetResidency(SafeFileHandle handle, string path, bool allowCachestat, CancellationToken cancellationToken)
    {
        var size = RandomAccess.GetLength(handle);
        if (!OperatingSystem.IsLinux())
        {
            return new FileResidency(path, size, null, ResidencyMethod.Unknown, "page cache residency is only measured on Linux");
        }

        return GetResidencyLinux(path, handle, size, allowCachestat, cancellationToken);
    }

    /// <summary>
    /// How many bytes of [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) of
    /// <paramref name="path"/> are in the page cache, counted in whole pages and at most the part of the range inside the
    /// file; <see langword="null"/> when unknown (not Linux, or the kernel hides the file's page cache from this process).
    /// </summary>
    /// <remarks>For one block of a file, so a prefetch passed over by another process can tell whether that one left it cached.</remarks>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="IOException">The file cannot be opened or examined.</exception>
    internal long? GetCachedBytes(string path, long offset, long length) => GetCachedBytes(path, offset, length, allowCachestat: true);

    /// <summary>The cached bytes of every range of <paramref name="ranges"/> together, with one open of the file; null when unknown.</summary>
    internal long? GetCachedBytes(string path, IEnumerable<(long Offset, long Length)> ranges)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        using var handle = OpenFileLimit.OpenRead(path, FileShare.ReadWrite | FileShare.Delete);
        long total = 0;
        foreach (var (offset, length) in ranges)
        {
            if (GetCachedBytesLinux(handle, path, offset, length, allowCachestat: true) is not { } cached)
            {
                return null;
            }

            total += cached;
        }

        return total;
    }

    /// <summary>As <see cref="GetCachedBytes(string, long, long)"/>; <paramref name="allowCachestat"/> false measures with mincore (tests cover both paths on one kernel).</summary>
    internal long? GetCachedBytes(string path, long offset, long length, bool allowCachestat)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        using var handle = OpenFileLimit.OpenRead(path, FileShare.ReadWrite | FileShare.Delete);
        return GetCachedBytesLinux(handle, path, offset, length, allowCachestat);
    }

    /// <summary>
    /// Drops the file from the page cache (<c>POSIX_FADV_DONTNEED</c>; no root needed). Dirty pages cannot be dropped,
    /// so the file's data is written back first: a file just written (a fresh download, <c>ckpt synth</c>) is evicted too.
    /// </summary>
    /// <returns><see langword="false"/> when the platform has no such call.</returns>
    /// <exception cref="IOException">The kernel refused; the message names the file.</exception>
    public static bool Evict(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (OperatingSystem.IsLinux())
        {
            WriteBackLinux(handle, path);
        }

        return Advise(handle, path, 0, 0, CacheAdvice.DontNeed);
    }

    /// <summary>Asks the kernel to start reading the whole file into the page cache (<c>POSIX_FADV_WILLNEED</c>).</summary>
    /// <returns><see langword="false"/> when the platform has no such call.</returns>
    /// <exception cref="IOException">The kernel refused; the message names the file.</exception>
    public static bool WillNeed(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return Advise(handle, path, 0, 0, CacheAdvice.WillNeed);
    }

    /// <summary>
    /// Gives advice for a range of an open file (a length of 0 means to the end). <see cref="CacheAdvice.Sequential"/>
    /// applies to this handle only, so give it on the handle that will read.
    /// </summary>
    /// <param name="handle">An open handle of the file.</param>
    /// <param name="path">The file's path, for the error message.</param>
    /// <param name="offset">First byte of the range.</param>
    /// <param name="length">Bytes in the range; 0 for "to the end".</param>
    /// <param name="advice">The advice.</param>
    /// <returns><see langword="false"/> when the platform has no such call.</returns>
    /// <exception cref="IOException">The kernel refused; the message names the file.</exception>
    public static bool Advise(SafeFileHandle handle, string path, long offset, long length, CacheAdvice advice)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return OperatingSystem.IsLinux() && AdviseLinux(handle, path, offset, length, advice);
    }

    /// <summary>
    /// Whether <c>mincore</c> tells the truth about a file's pages. Since Linux 5.2 (commit 134fca9063ad,
    /// mm/mincore.c <c>can_do_mincore</c>) it reports every page of a file mapping as resident unless the
    /// caller owns the file (fsuid equals the inode's uid), holds CAP_FOWNER, or could open the file for writing
    /// (<c>file_permission(MAY_WRITE)</c>: write permission bits or CAP_DAC_OVERRIDE, on a writable mount, not
    /// immutable). Otherwise the answer is a fake 100%.
    /// </summary>
    internal static bool MincoreIsTruthful(bool callerOwnsFile, bool callerHasCapFowner, bool callerCanOpenForWriting) =>
        callerOwnsFile || callerHasCapFowner || callerCanOpenForWriting;
}
