using System.Globalization;
using Checkpoints.Files;
using Checkpoints.Loading.Logging;
using Checkpoints.Loading.Planning;
using Checkpoints.Storage.Cache;
using Checkpoints.Storage.Locks;
using Microsoft.Extensions.Logging;

namespace Checkpoints.Loading.Prefetch;

/// <summary>
/// Claims through <see cref="NodeRangeLock"/>: a lock file per file (device and inode) in a runtime folder shared by the
/// processes of the node, and a lock on each block's byte range of it. When the locks cannot be used (not Linux, the
/// folder is not writable or is refused as unsafe, the kernel or the folder's file system has no open file description
/// locks), every claim succeeds and the prefetch simply runs uncoordinated, as it would without this, with a warning.
/// </summary>
internal sealed class NodePrefetchClaims : IPrefetchClaims
{
    /// <summary>
    /// The environment variable that sets how long, in seconds, a prefetch waits for another process to finish warming
    /// bytes it needs before reading them anyway (default <see cref="DefaultPatience"/>; 0 never waits).
    /// </summary>
    public const string PatienceVariable = "CKPT_LOCK_PATIENCE";

    /// <summary>
    /// A minute. Another process holds a block only while it reads it (16 MiB, a fraction of a second even at 55 MB/s),
    /// but a wait counts from when the block was found held, and every held block's wait runs at once, so this bounds
    /// the whole prefetch's waiting. Held longer than that, the holder is more likely stuck than busy, and reading the
    /// bytes again costs at most one more read of them.
    /// </summary>
    public static readonly TimeSpan DefaultPatience = TimeSpan.FromSeconds(60);

    // A block is held for the time of one read: looking again every 10 ms costs a system call, and waits little longer than needed.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    private readonly IReadOnlyList<string> _paths;
    private readonly IReadOnlyList<FileIdentity> _identities;
    private readonly Func<NodeLockDirectory> _openDirectory;
    private readonly ILogger _logger;
    private readonly PageCache _pageCache = PageCache.CreateDefault();
    private readonly NodeRangeLock?[] _locks;
    private readonly Lock _lock = new();
    private NodeLockDirectory? _directory;
    private bool _unavailable;
    private bool _disposed;

    /// <param name="paths">The files, for the page cache and messages.</param>
    /// <param name="identities">The files' device and inode, which name their lock files.</param>
    /// <param name="openDirectory">Opens and checks the lock folder, at the first claim (so a refusal is logged only by a prefetch that claims).</param>
    /// <param name="logger">Why the locks are not used, when they are not.</param>
    public NodePrefetchClaims(IReadOnlyList<string> paths, IReadOnlyList<FileIdentity> identities, Func<NodeLockDirectory> openDirectory, ILogger logger)
    {
        _paths = paths;
        _identities = identities;
        _openDirectory = openDirectory;
        _logger = logger;
        _locks = new NodeRangeLock?[paths.Count];
        _unavailable = !OperatingSystem.IsLinux();
    }

    /// <summary>The patience <see cref="PatienceVariable"/> sets, else <see cref="DefaultPatience"/> (a value that is not a number of seconds is reported and ignored).</summary>
    public static TimeSpan PatienceFromEnvironment(ILogger logger)
    {
        var text = Environment.GetEnvironmentVariable(PatienceVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return DefaultPatience;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0 && seconds <= TimeSpan.FromDays(1).TotalSeconds)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        LoadLog.PatienceIgnored(logger, PatienceVariable, text, DefaultPatience.TotalSeconds);
        return DefaultPatience;
    }

    public bool TryClaim(PrefetchBlock block)
    {
        // One lock for every file: the calls under it never wait (a lock taken or refused at once, a name looked up).
        lock (_lock)
        {
            if (_unavailable)
            {
                return true;
            }

            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                _directory ??= _openDirectory();
                var ranges = _locks[block.File] ??= new NodeRangeLock(_directory, _identities[block.File]);
                return ranges.TryLock(block.Offset, block.Length);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                _unavailable = true;
                LoadLog.PrefetchLocksUnavailable(_logger, exception.Message);
                return true;
            }
        }
    }

    public void Release(PrefetchBlock block)
    {
        lock (_lock)
        {
            _locks[block.File]?.Unlock(block.Offset, block.Length);
        }
    }

    public bool WaitAndClaim(PrefetchBlock block, TimeSpan patience, CancellationToken cancellationToken)
    {
        // A lock that waits (F_OFD_SETLKW) cannot be cancelled: poll.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!TryClaim(block))
        {
            var left = patience - clock.Elapsed;
            if (left <= TimeSpan.Zero || cancellationToken.WaitHandle.WaitOne(left < PollInterval ? left : PollInterval))
            {
                return false;
            }
        }

        if (cancellationToken.IsCancellationRequested)
        {
            Release(block); // claimed, but too late to use: a false claim must not keep the range held
            return false;
        }

        return true;
    }

    public bool IsWarm(PrefetchBlock block)
    {
        try
        {
            return _pageCache.GetCachedBytes(_paths[block.File], block.Offset, block.Length) is { } cached && cached >= block.Length * LoadPlanner.CachedEnough;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false; // Read it, then: the read reports what is wrong with the file.
        }
    }

    public string DescribeHolder(PrefetchBlock block, bool nameProcess)
    {
        string lockFile;
        lock (_lock)
        {
            if (_directory is null || _disposed)
            {
                return "its prefetch lock is held by another process";
            }

            lockFile = NodeRangeLock.PathOf(_directory, _identities[block.File]);
        }

        if (!nameProcess)
        {
            return $"{lockFile} is locked by another process on this node";
        }

        // Outside the lock: naming the holder may read a file per descriptor on the node, and the workers must not wait for that.
        return NodeLockHolder.Describe(lockFile, block.Offset, block.Length) is { } holder
            ? $"{lockFile} is locked by {holder}"
            : $"{lockFile} was locked by another process on this node, which has let go since";
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var ranges in _locks)
            {
                ranges?.Dispose();
            }

            // After the locks: letting go of the last range deletes the lock file through this folder's descriptor.
            _directory?.Dispose();
        }
    }
}
