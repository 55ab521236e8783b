using System.Globalization;
using Checkpoints.Files;
using Checkpoints.Loading.Logging;
using Checkpoints.Loading.Planning;
using Checkpoints.Storage.Cache;
using Checkpoints.Storage.Locks;
using Microsoft.Extensions.Logging;

namespace Checkpoints.Loading.Prefetch;

/// <summary>
/// Claims through <see cref="NodeFileLock"/>: one lock per file (device and inode) in a runtime folder shared by the
/// processes of the node. When the locks cannot be used (not Linux, the folder is not writable, or it is refused as
/// unsafe), every claim succeeds and the prefetch simply runs uncoordinated, as it would without this, with a warning.
/// </summary>
internal sealed class NodePrefetchClaims : IPrefetchClaims
{
    /// <summary>
    /// The environment variable that sets how long, in seconds, a prefetch waits for another process to finish warming a
    /// file before reading it anyway (default <see cref="DefaultPatience"/>; 0 never waits).
    /// </summary>
    public const string PatienceVariable = "CKPT_LOCK_PATIENCE";

    /// <summary>
    /// A minute: another process warms a whole file under the lock, and a 10 GB shard at 200 MB/s takes 50 s. Longer
    /// than that, the holder is more likely stuck (or a loader that only prefetches as it consumes, idle) than busy,
    /// and reading the file again costs at most one more read of it.
    /// </summary>
    public static readonly TimeSpan DefaultPatience = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private readonly IReadOnlyList<string> _paths;
    private readonly IReadOnlyList<FileIdentity> _identities;
    private readonly Func<NodeLockDirectory> _openDirectory;
    private readonly ILogger _logger;
    private readonly PageCache _pageCache = PageCache.CreateDefault();
    private readonly NodeFileLock?[] _held;
    private readonly Lock _lock = new();
    private NodeLockDirectory? _directory;
    private bool _unavailable;
    private bool _disposed;

    /// <param name="paths">The files, for the page cache and messages.</param>
    /// <param name="identities">The files' device and inode, which name their locks.</param>
    /// <param name="openDirectory">Opens and checks the lock folder, at the first claim (so a refusal is logged only by a prefetch that claims).</param>
    /// <param name="logger">Why the locks are not used, when they are not.</param>
    public NodePrefetchClaims(IReadOnlyList<string> paths, IReadOnlyList<FileIdentity> identities, Func<NodeLockDirectory> openDirectory, ILogger logger)
    {
        _paths = paths;
        _identities = identities;
        _openDirectory = openDirectory;
        _logger = logger;
        _held = new NodeFileLock?[paths.Count];
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

    public bool TryClaim(int file)
    {
        lock (_lock)
        {
            if (_unavailable || _held[file] is not null)
            {
                return true;
            }

            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                _directory ??= _openDirectory();
                _held[file] = NodeFileLock.TryAcquire(_directory, _identities[file]);
                return _held[file] is not null;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                _unavailable = true;
                LoadLog.PrefetchLocksUnavailable(_logger, exception.Message);
                return true;
            }
        }
    }

    public void Release(int file)
    {
        lock (_lock)
        {
            _held[file]?.Dispose();
            _held[file] = null;
        }
    }

    public bool WaitAndClaim(int file, TimeSpan patience, CancellationToken cancellationToken)
    {
        // flock cannot be both blocking and cancellable: poll. The wait is for another process's whole file, so 50 ms is small.
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (!TryClaim(file))
        {
            var left = patience - deadline.Elapsed;
            if (left <= TimeSpan.Zero || cancellationToken.WaitHandle.WaitOne(left < PollInterval ? left : PollInterval))
            {
                return false;
            }
        }

        if (cancellationToken.IsCancellationRequested)
        {
            Release(file); // claimed, but too late to use: a false claim must not keep the lock held
            return false;
        }

        return true;
    }

    public bool IsWarm(int file)
    {
        try
        {
            var residency = _pageCache.GetResidency(_paths[file]);
            return residency.CachedBytes is { } cached && cached >= residency.SizeBytes * LoadPlanner.CachedEnough;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false; // Read it, then: the read reports what is wrong with the file.
        }
    }

    public string DescribeHolder(int file)
    {
        lock (_lock)
        {
            if (_directory is null || _disposed)
            {
                return "its prefetch lock is held by another process";
            }

            var lockFile = NodeFileLock.PathOf(_directory, _identities[file]);
            return NodeFileLock.DescribeHolder(_directory, _identities[file]) is { } holder
                ? $"{lockFile} is held by {holder}"
                : $"{lockFile} is held by a process whose pid is not visible here";
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            for (var file = 0; file < _held.Length; file++)
            {
                _held[file]?.Dispose();
                _held[file] = null;
            }

            // After the locks: releasing one deletes its file through this folder's descriptor.
            _directory?.Dispose();
        }
    }
}
