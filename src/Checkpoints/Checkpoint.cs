using System.Collections.Frozen;
using Checkpoints.Files;
using Checkpoints.Format;
using Checkpoints.Loading.Access;
using Checkpoints.Loading.Logging;
using Checkpoints.Loading.Planning;
using Checkpoints.Loading.Prefetch;
using Checkpoints.Loading.Reading;
using Checkpoints.Loading.Session;
using Checkpoints.Storage.Facts;
using Checkpoints.Storage.FileSystems;
using Checkpoints.Storage.Locks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Checkpoints;

/// <summary>
/// An open safetensors checkpoint: one file, or the shards of an index or a directory. Opening reads only the
/// headers; tensor bytes are read when asked for. Dispose it to release the files; tensors used afterwards
/// throw <see cref="ObjectDisposedException"/>.
/// </summary>
public sealed class Checkpoint : IDisposable
{
    private readonly CheckpointCatalog _catalog;
    private readonly FileIdentity[] _identities;
    private readonly ReadPool _readPool;
    private readonly LoadOptions _options;
    private readonly ILogger _logger;
    private readonly ShardData?[] _shardData;
    private readonly long[] _shardPositions;
    private readonly Lock[] _shardLocks;
    private readonly CancellationTokenSource _disposing = new();
    private readonly FrozenDictionary<string, Tensor> _byName;
    private readonly ConsumerWindow _window;
    private readonly Prefetcher? _prefetcher;
    private readonly ActiveShards _activeShards = new(ActiveShards.DefaultCapacity);
    private long _releasedUpTo;
    private int _disposed;

    private Checkpoint(CheckpointLayout layout, CheckpointCatalog catalog, FileIdentity[] identities, ReadPool readPool, LoadPlan plan, LoadOptions options,
        ILogger logger, bool startPrefetch, CancellationToken cancellationToken)
    {
        SourcePath = layout.Source;
        IndexPath = layout.Index?.Path;
        Plan = plan;
        _catalog = catalog;
        _identities = identities;
        _readPool = readPool;
        _options = options;
        _logger = logger;
        _shardData = new ShardData?[catalog.Shards.Count];
        _shardLocks = [.. catalog.Shards.Select(static _ => new Lock())];
        _shardPositions = new long[catalog.Shards.Count];
        for (var i = 1; i < _shardPositions.Length; i++)
        {
            _shardPositions[i] = _shardPositions[i - 1] + catalog.Shards[i - 1].FileLength;
        }

        Shards = [.. catalog.Shards.Select(static header => new CheckpointShard(header))];
        Tensors = [.. catalog.Tensors.Select(entry =>
        {
            var shard = catalog.Shards[entry.Shard];
            return new Tensor(this, entry.Shard, shard.FilePath, entry.Entry, shard.DataStart + entry.Entry.DataBegin);
        })];
        _byName = Tensors.ToFrozenDictionary(static tensor => tensor.Name, StringComparer.Ordinal);
        _window = new ConsumerWindow(plan.WindowBytes ?? long.MaxValue);
        if (startPrefetch && plan.HasPrefetch)
        {
            _prefetcher = CreatePrefetcher(plan, stopAtWindow: false, cancellationToken);
            try
            {
                _prefetcher.Start();
            }
            catch
            {
                // Threads that did start, their file handles and prefetch locks are let go; the caller disposes the read pool.
                _prefetcher.Dispose();
                throw;
            }
        }
    }

    /// <summary>The path the checkpoint was opened from.</summary>
    public string SourcePath { get; }

    /// <summary>The shard index used, when there was one.</summary>
    public string? IndexPath { get; }

    /// <summary>How each shard is read, and why; decided before any data was read.</summary>
    public LoadPlan Plan { get; }

    /// <summary>Completes when the background prefetch has finished or stopped (at once when there is none). Never faults.</summary>
    public Task PrefetchCompletion => _prefetcher?.Completion ?? Task.CompletedTask;

    /// <summary>The files, in loading order.</summary>
    public IReadOnlyList<CheckpointShard> Shards { get; }

    /// <summary>Every tensor, in shard order and then in data order within a shard: the order that reads sequentially.</summary>
    public IReadOnlyList<Tensor> Tensors { get; }

    /// <summary>Total bytes of tensor data across all shards.</summary>
    public long TotalTensorBytes => _catalog.TotalTensorBytes;

    /// <summary>Inconsistencies found while opening that do not prevent reading (for example an index's total_size that disagrees).</summary>
    public IReadOnlyList<string> Warnings => _catalog.Warnings;

    /// <summary>The tensor named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    public Tensor this[string name] => TryGetTensor(name, out var tensor)
        ? tensor
        : throw new KeyNotFoundException($"The checkpoint {SourcePath} has no tensor named '{name}' ({Tensors.Count} tensors).");

    /// <summary>
    /// Opens a checkpoint from a <c>.safetensors</c> file, a <c>*.safetensors.index.json</c>, or a directory: reads and
    /// validates every shard's header (a few kilobytes each), probes the storage, plans how to read each shard (see
    /// <see cref="Plan"/>) and starts the background prefetch the plan calls for. Data is read as tensors are used.
    /// </summary>
    /// <param name="path">The checkpoint.</param>
    /// <param name="options">Loading choices; null for the defaults with <c>CKPT_LOAD_STRATEGY</c> applied.</param>
    /// <param name="logger">Receives the facts, the plan and the prefetch progress.</param>
    /// <param name="cancellationToken">Cancels the opening, and the background prefetch for as long as it runs.</param>
    /// <exception cref="CheckpointFormatException">A file breaks the format, or the shards disagree with the index.</exception>
    /// <exception cref="FileNotFoundException">The path, or a shard the index names, does not exist.</exception>
    /// <exception cref="ArgumentException">The options are out of range, or <c>CKPT_LOAD_STRATEGY</c> names no strategy.</exception>
    public static Checkpoint Open(string path, LoadOptions? options = null, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        Open(path, options, logger, startPrefetch: true, cancellationToken);

    /// <inheritdoc cref="Open(string, LoadOptions?, ILogger?, CancellationToken)"/>
    public static Task<Checkpoint> OpenAsync(string path, LoadOptions? options = null, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => Open(path, options, logger, cancellationToken), cancellationToken);

    private static Checkpoint Open(string path, LoadOptions? options, ILogger? logger, bool startPrefetch, CancellationToken cancellationToken)
    {
        options ??= LoadOptions.FromEnvironment();
        options.Validate();
        logger ??= NullLogger.Instance;
        var layout = CheckpointLayout.Discover(path);
        var readPool = new ReadPool(options.Threads);
        try
        {
            var opened = ShardOpening.ReadAll(layout.ShardPaths, readPool, options.ReadTimeout, cancellationToken);
            var headers = opened.Select(static shard => shard.Header).ToArray();
            var catalog = CheckpointCatalog.Build(layout, headers);
            var facts = StorageProbe.Probe(layout.ShardPaths, StorageProbeOptions.FromEnvironment(options.NetworkFileSystems), cancellationToken);
            var plan = LoadPlanner.Plan(facts, options);
            LogOpening(logger, path, headers, facts);
            LoadLog.Plan(logger, plan, catalog.Warnings);
            return new Checkpoint(layout, catalog, [.. opened.Select(static shard => shard.Identity)], readPool, plan, options, logger, startPrefetch, cancellationToken);
        }
        catch
        {
            readPool.Dispose();
            throw;
        }
    }

    /// <summary>Looks a tensor up by name.</summary>
    public bool TryGetTensor(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Tensor? tensor) =>
        _byName.TryGetValue(name, out tensor);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Abort an eager read in progress, and stop the prefetch, before the files are let go.
        _disposing.Cancel();
        _prefetcher?.Dispose();
        for (var i = 0; i < _shardData.Length; i++)
        {
            lock (_shardLocks[i])
            {
                _shardData[i]?.Dispose();
                _shardData[i] = null;
            }
        }

        _readPool.Dispose();
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
    internal ShardData ShardData(int shard, long fileOffset, long length)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var position = _shardPositions[shard] + fileOffset;
        _window.Advance(position, position + length);
        if (Plan.WindowBytes is not null)
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
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return _shardData[shard] ??= OpenShardData(shard);
        }
    }

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

        for (var shard = 0; shard < _shardData.Length; shard++)
        {
            var start = _shardPositions[shard];
            var end = start + _catalog.Shards[shard].FileLength;
            if (end > released && start < position && Volatile.Read(ref _shardData[shard]) is { } data)
            {
                var from = Math.Max(released, start);
                data.ReleaseBehind(from - start, Math.Min(position, end) - from);
            }
        }
    }

    /// <summary>Opens the checkpoint only to plan its load: headers and storage facts are read, no data.</summary>
    internal static LoadPlan PlanOnly(string path, LoadOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        using var checkpoint = Open(path, options, logger, startPrefetch: false, cancellationToken);
        return checkpoint.Plan;
    }

    /// <summary>
    /// Runs only the prefetch of every shard, for another program to find the files cached (like <c>vmtouch -t</c>, but
    /// parallel). Nobody consumes, so the window is a cap: it stops where the memory budget ends.
    /// </summary>
    internal static async Task<(LoadPlan Plan, long BytesRead, long BytesPlanned, long BytesAlreadyCached)> WarmAsync(string path, LoadOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        using var checkpoint = Open(path, options with { Strategy = LoadStrategy.Prefetch }, logger, startPrefetch: false, cancellationToken);
        using var warm = checkpoint.CreatePrefetcher(checkpoint.Plan, stopAtWindow: true, cancellationToken);
        warm.Start();
        await warm.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        return (checkpoint.Plan, warm.BytesRead, warm.TotalBytes, warm.BytesFoundCached);
    }

    private Prefetcher CreatePrefetcher(LoadPlan plan, bool stopAtWindow, CancellationToken cancellationToken)
    {
        var shards = Enumerable.Range(0, plan.Shards.Count).Where(i => plan.Shards[i].PrefetchedHere).ToArray();
        var blocks = PrefetchBlock.Split([.. shards.Select(i => (_shardPositions[i], _catalog.Shards[i].FileLength))], plan.BlockSize);
        var paths = shards.Select(i => _catalog.Shards[i].FilePath).ToArray();
        var reader = new FileBlockReader(paths, [.. shards.Select(i => plan.Shards[i].FileSystem.Class == FileSystemClass.Local)]);
        var claims = new NodePrefetchClaims(paths, [.. shards.Select(i => _identities[i])], NodeLockDirectory.OpenDefault, _logger);
        return new Prefetcher(blocks, shards.Length, reader, claims, _window, plan.Threads, plan.BlockSize, stopAtWindow, _options.Progress, _logger, cancellationToken)
        {
            ClaimPatience = NodePrefetchClaims.PatienceFromEnvironment(_logger),
        };
    }

    private ShardData OpenShardData(int shard)
    {
        var header = _catalog.Shards[shard];
        var identity = _identities[shard];
        var plan = Plan.Shards[shard];

        // Every open below checks the file against its identity (deleted, replaced, changed), and read access turns a
        // disposal during a read into ObjectDisposedException itself.
        var settings = new ReadSettings(_readPool, Plan.BlockSize, _options.ReadTimeout, _disposing.Token);
        switch (plan.Strategy, plan.Access)
        {
            case (LoadStrategy.Eager, _):
                ReleaseEarlierEagerShards(shard);
                return OwnedShardData.LoadEager(header, identity, settings, _logger);
            case (_, ShardAccess.Read):
                return OwnedShardData.ForReads(header, identity, settings);
            case (_, ShardAccess.PopulatedMap):
                return MappedShardData.OpenPopulated(header, identity, settings);
            default:
                return MappedShardData.Open(header.FilePath, identity);
        }
    }

    /// <summary>
    /// An eager shard's memory is let go when the reader moves on to a later shard: at most the current one is held.
    /// Dropping the reference is enough: a reader still holding spans keeps their arrays alive.
    /// </summary>
    private void ReleaseEarlierEagerShards(int shard)
    {
        for (var earlier = 0; earlier < shard; earlier++)
        {
            if (Plan.Shards[earlier].Strategy == LoadStrategy.Eager && Volatile.Read(ref _shardData[earlier]) is not null)
            {
                Volatile.Write(ref _shardData[earlier], null);
            }
        }
    }

    private static void LogOpening(ILogger logger, string path, ShardHeader[] headers, StorageFacts facts)
    {
        var types = string.Join(", ", facts.Files.Select(static file => $"{file.FileSystem.FileSystemType} ({file.FileSystem.Class.ToString().ToLowerInvariant()})").Distinct(StringComparer.Ordinal));
        var cached = facts.Files.Sum(static file => file.Residency.CachedBytes ?? 0);
        var known = facts.Files.All(static file => file.Residency.CachedBytes is not null);
        LoadLog.Opening(logger, path, headers.Length, headers.Sum(static header => header.FileLength), types, cached, known);
    }
}
