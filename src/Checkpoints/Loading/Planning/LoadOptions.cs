using Checkpoints.Selection;
using Checkpoints.Storage.Facts;
using Checkpoints.Units;


namespace Checkpoints.Loading.Planning;

/// <summary>What a caller may choose about loading. Every value has a sensible default; <see cref="FromEnvironment()"/> adds the environment's choices.</summary>
public sealed record LoadOptions
{
    /// <summary>The environment variable that selects a strategy: <c>auto</c>, <c>lazy</c>, <c>eager</c> or <c>prefetch</c>.</summary>
    public const string StrategyVariable = "CKPT_LOAD_STRATEGY";

    /// <summary>The default number of parallel readers.</summary>
    public const int DefaultThreads = 8;

    /// <summary>The default size of one read.</summary>
    public const int DefaultBlockSize = 16 << 20;

    /// <summary>The default share of the binding available memory that read-ahead and eager buffers may use.</summary>
    public const double DefaultBudgetFraction = 0.9;

    /// <summary>The default time reads may go without progress before a load fails.</summary>
    public static readonly TimeSpan DefaultReadTimeout = TimeSpan.FromMinutes(2);

    /// <summary>The strategy; <see cref="LoadStrategy.Auto"/> lets the planner choose per shard.</summary>
    public LoadStrategy Strategy { get; init; } = LoadStrategy.Auto;

    /// <summary>
    /// How bytes reach the consumer; <see cref="ShardAccess.Auto"/> reads (safe) on network and unknown file systems
    /// and maps (zero-copy) on local and memory ones. A forced <see cref="LoadStrategy.Lazy"/> maps everywhere unless
    /// this says otherwise. Eager shards are always read.
    /// </summary>
    public ShardAccess Access { get; init; } = ShardAccess.Auto;

    /// <summary>
    /// The consumer copies every tensor into memory of its own with <see cref="Tensor.CopyBytesTo"/> (as a framework
    /// filling its parameters does) rather than reading spans. The planner then reads cold shards on local file systems
    /// past the page cache (<see cref="ShardAccess.Direct"/>, when <see cref="Access"/> is <see cref="ShardAccess.Auto"/>
    /// and <see cref="Strategy"/> is <see cref="LoadStrategy.Auto"/>): the device's speed, with no cache pages to fill.
    /// </summary>
    public bool ConsumerCopies { get; init; }

    /// <summary>
    /// How long one read (or open) may run, or wait for a reader thread while none of the others finishes, before the
    /// load fails with an error naming the file and offset; <see cref="Timeout.InfiniteTimeSpan"/> waits forever. Applies
    /// to reads, not to page faults of a map, which cannot time out.
    /// </summary>
    public TimeSpan ReadTimeout { get; init; } = DefaultReadTimeout;

    /// <summary>Parallel readers for prefetching and eager loading.</summary>
    public int Threads { get; init; } = DefaultThreads;

    /// <summary>Bytes per read.</summary>
    public int BlockSize { get; init; } = DefaultBlockSize;

    /// <summary>An absolute memory budget in bytes; when null, <see cref="BudgetFraction"/> of the binding available memory.</summary>
    public long? BudgetBytes { get; init; }

    /// <summary>The share of the binding available memory (host or cgroup, whichever is tighter) to use when <see cref="BudgetBytes"/> is null.</summary>
    public double BudgetFraction { get; init; } = DefaultBudgetFraction;

    /// <summary>The environment variable with extra network file system type names, comma separated (<c>fuse.myfs,lustre2</c>).</summary>
    public const string NetworkFileSystemsVariable = StorageProbeOptions.NetworkFileSystemsVariable;

    /// <summary>File system types to treat as network besides the built-in table (in-house mounts); <c>CKPT_NETWORK_FS</c> adds to it.</summary>
    public IReadOnlyList<string> NetworkFileSystems { get; init; } = [];

    /// <summary>This process's rank among the processes on this node that load the same checkpoint (the LOCAL rank).</summary>
    public int Rank { get; init; }

    /// <summary>How many processes on this node load the checkpoint; each prefetches its share of the shards.</summary>
    public int WorldSize { get; init; } = 1;

    /// <summary>
    /// What this process needs: <see cref="TensorSelection.All"/> (the default), or some tensors, or slices of them (a
    /// tensor-parallel rank's part, a pipeline stage's layers). Only the selected bytes are read, prefetched and counted
    /// against the budget; with a selection, local ranks each warm their own ranges (claims keep shared bytes read once)
    /// rather than splitting whole shards.
    /// </summary>
    public TensorSelection Selection { get; init; } = TensorSelection.All;

    /// <summary>The default <see cref="CoalesceGapBytes"/>: about what a 2 ms round trip carries at 500 MB/s.</summary>
    public const long DefaultCoalesceGapBytes = 1L << 20;

    /// <summary>The default <see cref="WholeShardFraction"/>.</summary>
    public const double DefaultWholeShardFraction = 0.9;

    /// <summary>Selected ranges closer than this are read as one: reading the gap costs less than another request.</summary>
    public long CoalesceGapBytes { get; init; } = DefaultCoalesceGapBytes;

    /// <summary>When what a selection reads of a shard is at least this share of it, the whole shard is read (one sequential stream).</summary>
    public double WholeShardFraction { get; init; } = DefaultWholeShardFraction;

    /// <summary>Receives prefetch progress: bytes done, bytes total, rate.</summary>
    public IProgress<PrefetchProgress>? Progress { get; init; }

    /// <summary>The defaults, with the strategy taken from <c>CKPT_LOAD_STRATEGY</c> when it is set.</summary>
    /// <exception cref="ArgumentException">The variable holds something other than a strategy name.</exception>
    public static LoadOptions FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    /// <summary>The most parallel readers <see cref="Threads"/> may ask for.</summary>
    public const int MaxThreads = 256;

    /// <summary>The smallest <see cref="BlockSize"/>.</summary>
    public const int MinBlockSize = 4 << 10;

    /// <summary>The largest <see cref="BlockSize"/>.</summary>
    public const int MaxBlockSize = 1 << 30;

    /// <summary>As <see cref="FromEnvironment()"/>, reading variables through <paramref name="variable"/> (tests must not change the process's environment).</summary>
    internal static LoadOptions FromEnvironment(Func<string, string?> variable)
    {
        var text = variable(StrategyVariable);
        return string.IsNullOrWhiteSpace(text) ? new LoadOptions() : new LoadOptions { Strategy = ParseStrategy(text, StrategyVariable) };
    }

    /// <summary>Parses <c>auto</c>, <c>lazy</c>, <c>eager</c> or <c>prefetch</c> (any case).</summary>
    /// <exception cref="ArgumentException">Anything else; the message names <paramref name="source"/>.</exception>
    public static LoadStrategy ParseStrategy(string text, string source) =>
        TryParseStrategy(text, out var strategy)
            ? strategy
            : throw new ArgumentException($"{source}: '{text}' is not a load strategy; use auto, lazy, eager or prefetch.", nameof(text));

    /// <summary>Parses <c>auto</c>, <c>lazy</c>, <c>eager</c> or <c>prefetch</c> (any case, surrounding spaces allowed); nothing else.</summary>
    public static bool TryParseStrategy(string? text, out LoadStrategy strategy)
    {
        strategy = LoadStrategy.Auto;
        var name = text?.Trim();
        // Enum.TryParse also takes numbers and "lazy,eager" (OR-ed flags): only the four names count here.
        return !string.IsNullOrEmpty(name) && name.All(char.IsAsciiLetter) && Enum.TryParse(name, ignoreCase: true, out strategy);
    }

    internal void Validate()
    {
        if (Threads is < 1 or > MaxThreads)
        {
            throw new ArgumentException($"LoadOptions.Threads must be between 1 and {MaxThreads}, not {Threads}.");
        }

        if (BlockSize is < MinBlockSize or > MaxBlockSize)
        {
            throw new ArgumentException($"LoadOptions.BlockSize must be between 4 KiB and 1 GiB, not {ByteSize.Format(BlockSize)}.");
        }

        if (BudgetBytes is <= 0)
        {
            throw new ArgumentException($"LoadOptions.BudgetBytes must be positive, not {BudgetBytes}.");
        }

        if (BudgetFraction is <= 0 or > 1 || double.IsNaN(BudgetFraction))
        {
            throw new ArgumentException($"LoadOptions.BudgetFraction must be above 0 and at most 1, not {BudgetFraction}.");
        }

        if ((ReadTimeout <= TimeSpan.Zero || ReadTimeout.TotalMilliseconds > int.MaxValue) && ReadTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"LoadOptions.ReadTimeout must be positive and at most {TimeSpan.FromMilliseconds(int.MaxValue)} (or infinite), not {ReadTimeout}.");
        }

        if (CoalesceGapBytes < 0)
        {
            throw new ArgumentException($"LoadOptions.CoalesceGapBytes must not be negative, not {CoalesceGapBytes}.");
        }

        if (WholeShardFraction is < 0 or > 1 || double.IsNaN(WholeShardFraction))
        {
            throw new ArgumentException($"LoadOptions.WholeShardFraction must be between 0 and 1, not {WholeShardFraction}.");
        }

        ArgumentNullException.ThrowIfNull(Selection);
        if (WorldSize < 1 || Rank < 0 || Rank >= WorldSize)
        {
            throw new ArgumentException($"LoadOptions.Rank must be in [0, LoadOptions.WorldSize): rank {Rank}, world size {WorldSize}.");
        }
    }
}
