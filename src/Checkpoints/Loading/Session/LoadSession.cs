using Checkpoints.Files;
using Checkpoints.Format;
using Checkpoints.Loading.Access;
using Checkpoints.Loading.Planning;
using Checkpoints.Loading.Prefetch;
using Checkpoints.Loading.Reading;
using Checkpoints.Loading.Telemetry;
using Checkpoints.Selection;
using Checkpoints.Storage.FileSystems;
using Checkpoints.Storage.Locks;
using Microsoft.Extensions.Logging;

namespace Checkpoints.Loading.Session;

/// <summary>
/// The reading side of an open checkpoint: each shard's data, opened on first use as the plan says; the consumer's
/// position, which slides the prefetch window; the release of what the consumer has passed when memory is short; and
/// the background prefetch. It owns the read pool and every file it opens.
/// </summary>
internal sealed class LoadSession : IShardBytes, IDisposable, IAsyncDisposable
{
    private readonly CheckpointCatalog _catalog;
    private readonly IReadOnlyList<FileIdentity> _identities;
    private readonly ReadPool _readPool;
    private readonly LoadPlan _plan;
    private readonly LoadOptions _options;
    private readonly ILogger _logger;
    private readonly ShardData?[] _shardData;
    private readonly LoadOrder _order;
    private readonly Lock[] _shardLocks;
    private readonly CancellationTokenSource _disposing = new();
    private readonly ConsumerWindow _window;
    private readonly ActiveShards _activeShards = new(ActiveShards.DefaultCapacity);
    private readonly KeyValuePair<string, object?>[][] _shardTags;
    private readonly Lazy<AlignedBuffers> _directBuffers = new(static () => new AlignedBuffers(DirectShardData.ChunkBytes, DirectShardData.Alignment));
    private readonly ShardOpenAhead<MappedShardData> _openAhead;
    private Prefetcher? _prefetcher;
    private long _releasedUpTo;
    private int _disposed;

    private LoadSession(OpenedCheckpoint opened, LoadOptions options, ILogger logger)
    {
        _catalog = opened.Catalog;
        _identities = opened.Identities;
        _readPool = opened.ReadPool;
        _plan = opened.Plan;
        _options = options;
        _logger = logger;
        var shards = _catalog.Shards;
        _shardData = new ShardData?[shards.Count];
        _shardLocks = [.. shards.Select(static _ => new Lock())];
        _order = new LoadOrder([.. _plan.Shards.Select(static shard => shard.Selection)], options.CoalesceGapBytes);
        _window = new ConsumerWindow(_plan.WindowBytes ?? long.MaxValue, _order.LargestSkip);

        _shardTags = [.. _plan.Shards.Select(static shard => new KeyValuePair<string, object?>[]
        {
            new("load.strategy", shard.Strategy.ToString().ToLowerInvariant()),
            new("load.access", shard.Access.Name()),
            new("file_system.class", FileSystemClassName(shard)),
        })];
        _openAhead = new ShardOpenAhead<MappedShardData>(shards.Count, _readPool, Math.Min(_readPool.Threads, ShardOpenAhead<MappedShardData>.MaxDepth),
            OpensAhead, shard => (MappedShardData.OpeningDescription(shards[shard]), shards[shard].DataStart),
            shard => MappedShardData.Open(shards[shard].FilePath, _identities[shard]), _disposing.Token);
    }

    /// <summary>Opens of shards' data queued or running ahead of the consumer (tests wait for them).</summary>
    internal int OpensAheadInFlight => _openAhead.InFlight;

    /// <summary>Completes when the background prefetch has finished or stopped (at once when there is none). Never faults.</summary>
    public Task PrefetchCompletion => _prefetcher?.Completion ?? Task.CompletedTask;

    /// <summary>
    /// A session for a consumer: the prefetch the plan calls for starts at once and runs within the window as the
    /// consumer reads. The session owns <paramref name="opened"/>'s read pool from here on, also when this throws.
    /// </summary>
    public static LoadSession Start(OpenedCheckpoint opened, LoadOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var session = new LoadSession(opened, options, logger);
        try
        {
            if (opened.Plan.HasPrefetch)
            {
                session._prefetcher = session.CreatePrefetcher(stopAtWindow: false, cancellationToken);
                session._prefetcher.Start();
            }

            return session;
        }
        catch
        {
            // Threads that did start, their file handles and prefetch locks are let go with the pool.
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs only the prefetch of every shard, for another program to find the files cached. Nobody consumes, so the
    /// window is a cap: the prefetch stops where the memory budget ends. The session owns <paramref name="opened"/>'s
    /// read pool and disposes it before this returns.
    /// </summary>
    /// <returns>Bytes read, bytes planned, and the bytes of files another process was warming that were found cached.</returns>
    public static async Task<(long Read, long Planned, long FoundCached)> WarmAsync(OpenedCheckpoint opened, LoadOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var session = new LoadSession(opened, options, logger);
        using var activity = LoadTelemetry.Source.StartActivity("checkpoints.warm");
        await using (session.ConfigureAwait(false))
        {
            var warm = session.CreatePrefetcher(stopAtWindow: true, cancellationToken);
            session._prefetcher = warm;
            warm.Start();
            await warm.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
            return (warm.BytesRead, warm.TotalBytes, warm.BytesFoundCached);
        }
    }

    public ReadOnlySpan<byte> GetSpan(int shard, long fileOffset, int length)
    {
        var span = ShardData(shard, fileOffset, length).GetSpan(fileOffset, length);
        if (LoadTelemetry.LoadedBytes.Enabled)
        {
            LoadTelemetry.LoadedBytes.Add(length, _shardTags[shard]);
        }

        return span;
    }

    public void CopyTo(int shard, long fileOffset, Span<byte> destination)
    {
        ShardData(shard, fileOffset, destination.Length).CopyTo(fileOffset, destination);
        if (LoadTelemetry.LoadedBytes.Enabled)
        {
            LoadTelemetry.LoadedBytes.Add(destination.Length, _shardTags[shard]);
        }
    }

    public int Gather(int shard, SliceGeometry slice, long start, Span<byte> destination)
    {
        var (first, count) = slice.PiecesOf(start, destination.Length);
        var covered = slice.Covering(first, count);
        var copied = ShardData(shard, covered.Start, covered.Length).Gather(slice, start, destination);
        if (LoadTelemetry.LoadedBytes.Enabled)
        {
            LoadTelemetry.LoadedBytes.Add(copied, _shardTags[shard]);
        }

        return copied;
    }

    public bool IsAligned(int shard, long fileOffset, int alignment) =>
        ShardData(shard, fileOffset, 0).IsAligned(fileOffset, alignment);

    /// <summary>Stops the prefetch (waiting briefly for its workers) and closes every file.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Abort an eager read in progress, and stop the prefetch, before the files are let go.
        _disposing.Cancel();
        _prefetcher?.Dispose();
        ReleaseResources();
    }

    /// <summary>As <see cref="Dispose"/>, but waits for the prefetch workers to stop without blocking a thread.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _disposing.Cancel();
        if (_prefetcher is { } prefetcher)
        {
            await prefetcher.DisposeAsync().ConfigureAwait(false);
        }

        ReleaseResources();
    }

    private void ReleaseResources()
    {
        // Before the pool goes: no open is queued from here on, and what the running ones open is let go when it arrives.
        _openAhead.Dispose();
        for (var i = 0; i < _shardData.Length; i++)
        {
            lock (_shardLocks[i])
            {
                _shardData[i]?.Dispose();
                _shardData[i] = null;
            }
        }

        _readPool.Dispose();
        if (_directBuffers.IsValueCreated)
        {
            // A read still running after an abandoned wait returns its buffer later; that one is freed on return.
            _directBuffers.Value.Dispose();
        }

        _disposing.Dispose();
    }

    /// <summary>
    /// The bytes of shard <paramref name="shard"/>, opened on first use as the plan says; the consumer's position moves to
    /// the range [<paramref name="fileOffset"/>, + <paramref name="length"/>) so the prefetch window slides.
    /// </summary>
    /// <remarks>
    /// Each shard has its own lock: opening one (an eager read of gigabytes) never holds up readers of the others.
    /// Disposing while another thread still reads tensors is not supported; spans handed out die with the checkpoint.
    /// </remarks>
    private ShardData ShardData(int shard, long fileOffset, long length)
    {
        ThrowIfDisposed();
        _window.Advance(_order.PositionOf(shard, fileOffset), _order.PositionOf(shard, fileOffset + length));
        if (_plan.WindowBytes is not null)
        {
            ReleaseBehind(_window.Position);
        }

        if (_activeShards.Use(shard) is var parked and >= 0)
        {
            Volatile.Read(ref _shardData[parked])?.Park();
        }

        var data = Volatile.Read(ref _shardData[shard]);
        if (data is not null)
        {
            return data;
        }

        lock (_shardLocks[shard])
        {
            ThrowIfDisposed();
            if (_shardData[shard] is { } raced)
            {
                return raced;
            }

            data = OpenShardData(shard);
            Volatile.Write(ref _shardData[shard], data);
        }

        // First use of this shard: the next ones are opened while the consumer reads it.
        _openAhead.After(shard);
        return data;
    }

    // The exception names the facade the caller disposed; ObjectDisposedException.ThrowIf would name this internal type.
#pragma warning disable CA1513
    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw new ObjectDisposedException("Checkpoints.Checkpoint");
        }
    }
#pragma warning restore CA1513

    /// <summary>
    /// When the checkpoint does not fit the memory budget, what the consumer has passed is given back in steps, so the
    /// memory holds what is about to be read rather than what was read. The bytes stay readable (they fault back in).
    /// </summary>
    private void ReleaseBehind(long position)
    {
        const long Step = 64L << 20;
        var released = Volatile.Read(ref _releasedUpTo);
        if (position - released < Step || Interlocked.CompareExchange(ref _releasedUpTo, position, released) != released)
        {
            return;
        }

        foreach (var (shard, offset, length) in _order.Between(released, position))
        {
            Volatile.Read(ref _shardData[shard])?.ReleaseBehind(offset, length);
        }
    }

    private Prefetcher CreatePrefetcher(bool stopAtWindow, CancellationToken cancellationToken)
    {
        var shards = Enumerable.Range(0, _plan.Shards.Count).Where(i => _plan.Shards[i].PrefetchedHere).ToArray();
        var blocks = PrefetchBlock.SplitRanges([.. shards.Select(_order.PlacedReadsOf)], _plan.BlockSize);
        var paths = shards.Select(i => _catalog.Shards[i].FilePath).ToArray();
        var local = shards.Select(i => _plan.Shards[i].FileSystem.Class == FileSystemClass.Local).ToArray();
        var reader = new FileBlockReader(paths, local, exact: _options.Selection.IsAll ? null : local);
        var claims = new NodePrefetchClaims(paths, [.. shards.Select(i => _identities[i])], NodeLockDirectory.OpenDefault, _logger);
        return new Prefetcher(blocks, shards.Length, reader, claims, _window, _plan.Threads, _plan.BlockSize, stopAtWindow, _options.Progress, _logger, cancellationToken)
        {
            ClaimPatience = NodePrefetchClaims.PatienceFromEnvironment(_logger),
            FileSystemClasses = [.. shards.Select(i => FileSystemClassName(_plan.Shards[i]))],
        };
    }

    private static string FileSystemClassName(ShardPlan shard) => shard.FileSystem.Class.ToString().ToLowerInvariant();

    private ShardData OpenShardData(int shard)
    {
        var header = _catalog.Shards[shard];
        var identity = _identities[shard];
        var plan = _plan.Shards[shard];

        // Every open below checks the file against its identity (deleted, replaced, changed), and read access turns a
        // disposal during a read into ObjectDisposedException itself.
        var settings = new ReadSettings(_readPool, _plan.BlockSize, _options.ReadTimeout, _disposing.Token);
        if (plan.IsSkipped)
        {
            // Tensors outside the selection refuse to be read before they get here.
            throw new InvalidOperationException($"{header.FilePath}: nothing of this shard is selected, so it is not read.");
        }

        var pieces = plan.Selection.Pieces;
        switch (plan.Strategy, plan.Access)
        {
            case (LoadStrategy.Eager, var access):
                ReleaseEarlierEagerShards(shard);
                var direct = access == ShardAccess.Direct;
                return pieces.Count == 0
                    ? OwnedShardData.LoadEager(header, identity, settings, direct, _logger)
                    : OwnedShardData.LoadEager(header, identity, settings, ShardSegments.Plan(pieces, ShardSegments.EagerGroupBytes, ShardSegments.ChunkBytes, _options.CoalesceGapBytes), direct, _logger);
            case (_, ShardAccess.Direct):
                return new DirectShardData(header, identity, settings, _directBuffers.Value, _logger);
            case (_, ShardAccess.Read):
                return pieces.Count == 0
                    ? OwnedShardData.ForReads(header, identity, settings)
                    : OwnedShardData.ForReads(header, identity, settings, ShardSegments.Plan(pieces, ShardSegments.ReadGroupBytes, ShardSegments.ChunkBytes, _options.CoalesceGapBytes));
            case (_, ShardAccess.PopulatedMap) when pieces.Count == 0:
                return _openAhead.Take(shard, settings, header.FilePath) is { } openedAhead
                    ? openedAhead.Populated(header, settings)
                    : MappedShardData.OpenPopulated(header, identity, settings);
            case (_, ShardAccess.PopulatedMap):
                // Only the selected pieces are populated: a segment of whole tensors would read unselected ones too. The
                // spans of column cuts are not: the map gathers those by reads (StridedReads), not by mapping every page.
                var selected = ShardSegments.Plan(plan.Selection.MappedPieces, ShardSegments.ReadGroupBytes, ShardSegments.ChunkBytes, _options.CoalesceGapBytes);
                return _openAhead.Take(shard, settings, header.FilePath) is { } mapped
                    ? mapped.Populated(header, settings, selected)
                    : MappedShardData.OpenPopulated(header, identity, settings, selected);
            default:
                return _openAhead.Take(shard, settings, header.FilePath) ?? MappedShardData.Open(header.FilePath, identity);
        }
    }

    /// <summary>
    /// Whether a shard's data is opened ahead of the consumer: maps, which hold no descriptor once open. Read and direct
    /// access keep a descriptor for their reads, and eager access reads the whole shard, which is no open to do early.
    /// </summary>
    private bool OpensAhead(int shard) => _plan.Shards[shard] is { IsSkipped: false, Strategy: not LoadStrategy.Eager, Access: ShardAccess.Map or ShardAccess.PopulatedMap };

    /// <summary>
    /// An eager shard's memory is let go when the reader moves on to a later shard: at most the current one is held.
    /// Dropping the reference is enough: a reader still holding spans keeps their arrays alive.
    /// </summary>
    private void ReleaseEarlierEagerShards(int shard)
    {
        for (var earlier = 0; earlier < shard; earlier++)
        {
            if (_plan.Shards[earlier].Strategy == LoadStrategy.Eager && Volatile.Read(ref _shardData[earlier]) is not null)
            {
                Volatile.Write(ref _shardData[earlier], null);
            }
        }
    }
}
