using Checkpoints.Storage;
using Microsoft.Extensions.Logging;

namespace Checkpoints.Loading;

/// <summary>
/// Claims through <see cref="NodeFileLock"/>: one lock per file (device and inode) in a runtime folder shared by the
/// processes of the node. When the locks cannot be used (not Linux, the folder is not writable), every claim succeeds
/// and the prefetch simply runs uncoordinated, as it would without this.
/// </summary>
internal sealed class NodePrefetchClaims : IPrefetchClaims
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private readonly IReadOnlyList<string> _paths;
    private readonly IReadOnlyList<FileIdentity> _identities;
    private readonly string _directory;
    private readonly ILogger _logger;
    private readonly PageCache _pageCache = PageCache.CreateDefault();
    private readonly NodeFileLock?[] _held;
    private readonly Lock _lock = new();
    private bool _unavailable;
    private bool _disposed;

    public NodePrefetchClaims(IReadOnlyList<string> paths, IReadOnlyList<FileIdentity> identities, string directory, ILogger logger)
    {
        _paths = paths;
        _identities = identities;
        _directory = directory;
        _logger = logger;
        _held = new NodeFileLock?[paths.Count];
        _unavailable = !OperatingSystem.IsLinux();
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
                _held[file] = NodeFileLock.TryAcquire(_directory, _identities[file]);
                return _held[file] is not null;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
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
            if (deadline.Elapsed > patience || cancellationToken.WaitHandle.WaitOne(PollInterval))
            {
                return false;
            }
        }

        return !cancellationToken.IsCancellationRequested;
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
        }
    }
}
