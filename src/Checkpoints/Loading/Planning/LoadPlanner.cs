using System.Globalization;
using Checkpoints.Selection;
using Checkpoints.Storage.Facts;
using Checkpoints.Storage.FileSystems;
using Checkpoints.Storage.Memory;
using Checkpoints.Units;

namespace Checkpoints.Loading.Planning;

/// <summary>
/// Decides how to read each shard from the storage facts and the options. A pure function: the same facts and
/// options always give the same plan, so every rule is tested on fixture facts.
/// </summary>
internal static class LoadPlanner
{
    /// <summary>A shard this much in the page cache is read through the map without prefetching it again.</summary>
    public const double CachedEnough = 0.95;

    /// <summary>When the available memory is unknown, prefetch runs at most this far ahead of the reader.</summary>
    public const long UnknownMemoryWindow = 2L << 30;

    /// <param name="facts">The storage and memory facts.</param>
    /// <param name="options">The caller's choices.</param>
    /// <param name="readAccessBytes">
    /// Memory that read access (<see cref="ShardAccess.Read"/>) holds besides the window; the reader knows it, the planner
    /// only counts it against the budget when a shard is read that way.
    /// </param>
    /// <param name="selections">What the selection reads of each shard; null reads every shard whole.</param>
    /// <param name="cachedReadBytes">Of each shard, the bytes of what it reads already cached (null: unknown); needed with a selection.</param>
    public static LoadPlan Plan(StorageFacts facts, LoadOptions options, long readAccessBytes, IReadOnlyList<ShardSelection>? selections = null,
        IReadOnlyList<long?>? cachedReadBytes = null)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(options);
        var (budget, budgetReason) = Budget(facts.Memory, options);
        var warnings = new List<string>();
        var decisions = facts.Files.Select((file, i) => selections is null
            ? Decide(file, options, ShardSelection.Whole(file.Residency.SizeBytes, file.Residency.SizeBytes), file.Residency.CachedBytes)
            : Decide(file, options, selections[i], cachedReadBytes?[i])).ToList();

        // Local ranks share one page cache: each warms its share of the prefetched shards, so the node reads each file once.
        // With a selection the ranks need different ranges: each warms its own, and the node's claims keep shared bytes read once.
        var prefetched = 0;
        for (var i = 0; i < decisions.Count; i++)
        {
            if (decisions[i].Strategy != LoadStrategy.Prefetch || !options.Selection.IsAll)
            {
                continue;
            }

            var owner = prefetched++ % options.WorldSize;
            if (owner != options.Rank)
            {
                decisions[i] = decisions[i].WarmedElsewhere(
                    decisions[i].Reason + string.Create(CultureInfo.InvariantCulture, $"; local rank {owner} of {options.WorldSize} warms it"));
            }
        }

        var prefetchBytes = decisions.Where(static shard => shard.PrefetchedHere).Sum(static shard => shard.ReadBytes);

        // Local ranks share one page cache and see the same memory: what the whole node warms must fit, not one rank's share.
        var nodePrefetchBytes = decisions.Where(static shard => shard.Strategy == LoadStrategy.Prefetch).Sum(static shard => shard.ReadBytes);

        // A populated map is safe from storage errors, not from eviction: only when what is prefetched stays in memory.
        var mapped = decisions.Select(shard => WithAccess(shard, options, facts.CanPopulateMaps, fitsBudget: true)).ToList();
        decisions = NeedsWindow(prefetchBytes, nodePrefetchBytes, budget, InFlightWith(mapped, options, readAccessBytes))
            ? [.. decisions.Select(shard => WithAccess(shard, options, facts.CanPopulateMaps, fitsBudget: false))]
            : mapped;
        var inFlight = InFlightWith(decisions, options, readAccessBytes);
        long? window = null;
        if (prefetchBytes > 0 && budget is null)
        {
            window = UnknownMemoryWindow;
            warnings.Add($"the available memory is unknown, so prefetch stays at most {ByteSize.Format(UnknownMemoryWindow)} ahead of the reader");
        }
        else if (budget is { } known && NeedsWindow(prefetchBytes, nodePrefetchBytes, known, inFlight))
        {
            // The workers' buffers and the blocks they are reading come on top of the window. One block is always allowed
            // where the reader is, so a window below a block (no memory to spare) still moves.
            window = Math.Max(known - inFlight, options.BlockSize);
            var whose = options.WorldSize > 1 ? $" (by all {options.WorldSize} local ranks)" : string.Empty;
            var message = $"{ByteSize.Format(nodePrefetchBytes)} to prefetch{whose} exceeds the memory budget of {ByteSize.Format(known)}: " +
                "prefetch runs at most the budget ahead of the reader, so early pages are not evicted before they are used";
            if (options.Strategy == LoadStrategy.Prefetch)
            {
                warnings.Add("prefetch was forced, but " + message);
            }
            else
            {
                warnings.Add(message);
            }
        }

        if (options.Strategy == LoadStrategy.Eager && budget is { } limit && decisions.Max(static shard => (long?)shard.ReadBytes) is { } largest && largest > limit)
        {
            warnings.Add($"eager was forced, but the largest shard ({ByteSize.Format(largest)}) exceeds the memory budget of {ByteSize.Format(limit)}: the process may be killed for lack of memory");
        }

        var riskyMaps = decisions.Where(static shard => !shard.IsSkipped && shard.Access == ShardAccess.Map && shard.FileSystem.Class is FileSystemClass.Network or FileSystemClass.Unknown).ToList();
        if (riskyMaps.Count > 0)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"{riskyMaps.Count} shard(s) on network or unknown storage are mapped: an I/O error or a truncation there raises SIGBUS and kills the process; use LoadOptions.Access = ShardAccess.Read to get errors instead"));
        }

        warnings.AddRange(decisions.Where(static shard => shard.FileSystem.Class == FileSystemClass.Unknown)
            .Select(static shard => shard.FileSystem.FileSystemType).Distinct(StringComparer.Ordinal)
            .Select(static type => $"file system '{type}' is not in the table; if it is a network file system add it to {StorageProbeOptions.NetworkFileSystemsVariable}"));

        // Local ranks with a selection each warm their own ranges from the node's one storage: with a full set of readers
        // each, the node would keep WorldSize times the reads in flight, and the ranks' readers would queue behind each other.
        var threads = options.Selection.IsAll || options.WorldSize == 1 ? options.Threads : Math.Max(2, options.Threads / options.WorldSize);
        return new LoadPlan(options.Strategy, decisions, facts.Memory, budget, budgetReason, prefetchBytes, window, threads, options.BlockSize, warnings,
            options.Selection.ToString());
    }

    /// <summary>Whether the prefetch must run within a window: it does not fit the budget, or the budget is unknown.</summary>
    private static bool NeedsWindow(long prefetchBytes, long nodePrefetchBytes, long? budget, long inFlight) =>
        prefetchBytes > 0 && (budget is null || nodePrefetchBytes + inFlight > budget);

    /// <summary>The workers' buffers, and what read access holds if any shard uses it.</summary>
    private static long InFlightWith(IEnumerable<ShardPlan> decisions, LoadOptions options, long readAccessBytes) =>
        InFlight(options) + (decisions.Any(static shard => shard.Access == ShardAccess.Read && shard.Strategy != LoadStrategy.Eager) ? readAccessBytes : 0);

    /// <summary>Memory the prefetch holds besides the window: each worker's buffer (the data is read into it and dropped).</summary>
    internal static long InFlight(LoadOptions options) => (long)options.Threads * options.BlockSize;

    private static ShardPlan Decide(StorageFileFacts file, LoadOptions options, ShardSelection selection, long? cached)
    {
        var fs = file.FileSystem;
        var length = selection.ReadBytes;
        var type = fs.FileSystemType;
        ShardPlan Shard(LoadStrategy strategy, string reason, ShardAccess access = ShardAccess.Map) =>
            new(file.FileSystem.Path, file.Residency.SizeBytes, file.FileSystem, cached, strategy, prefetchedHere: strategy == LoadStrategy.Prefetch, reason, access, selection);

        if (selection.IsEmpty)
        {
            return Shard(LoadStrategy.Lazy, "nothing of it is selected: only its header was read");
        }
        if (options.Access == ShardAccess.Direct && options.Strategy == LoadStrategy.Auto)
        {
            // Direct reads replace the page cache's read-ahead: prefetching as well would read everything twice.
            return Shard(LoadStrategy.Lazy, $"direct reads were asked for ({type}, {CachedText(cached, length)})", ShardAccess.Direct);
        }

        if (options.Strategy != LoadStrategy.Auto)
        {
            return Shard(options.Strategy, $"{options.Strategy.ToString().ToLowerInvariant()} was asked for ({type}, {CachedText(cached, length)})");
        }

        if (fs.Class == FileSystemClass.Memory)
        {
            return Shard(LoadStrategy.Lazy, $"{type} keeps files in memory: mapping reads it at memory speed");
        }

        var cachedText = CachedText(cached, length);
        if (fs.Class == FileSystemClass.Local && options.ConsumerCopies && options.Access == ShardAccess.Auto && !IsCached(cached, length))
        {
            // Read at the device's queue depth straight into the consumer's copies: nothing to prefetch, no page cache
            // to fill (on this project's benchmark machine fio reads 2.7 GB/s direct where buffered fills reach 1.5).
            return Shard(LoadStrategy.Lazy,
                $"{type} is a local file system, {cachedText} and the consumer copies tensors out: read past the page cache with parallel direct reads",
                ShardAccess.Direct);
        }

        if (fs.Class == FileSystemClass.Local)
        {
            // A cold local shard is prefetched too: one reader's page faults keep one read-ahead in flight, where the
            // workers keep eight, and spread the cost of bringing pages in over every core. Measured cold, 4 GiB on
            // this project's benchmark machine: lazy 4.5 s, cat 4.3 s, prefetch 1.9 s (docs/BENCHMARKS.md).
            return IsCached(cached, length)
                ? Shard(LoadStrategy.Lazy, $"{type} is a local file system and {cachedText}: mapped, it is read from memory")
                : Shard(LoadStrategy.Prefetch,
                    $"{type} is a local file system and {cachedText}: parallel fills bring it in faster than the reader's own page faults");
        }

        var what = fs.Class == FileSystemClass.Network
            ? $"{type} is a network file system"
            : $"{type} is not a known file system (prefetching costs little if it is local)";
        if (IsCached(cached, length))
        {
            return Shard(LoadStrategy.Lazy, $"{what}, but {cachedText}: it is read from memory without prefetching");
        }

        return Shard(LoadStrategy.Prefetch, $"{what} and {cachedText}: parallel block reads warm the page cache ahead of the reader");
    }

    private static bool IsCached(long? cached, long length) => cached is { } bytes && length > 0 && bytes >= length * CachedEnough;

    /// <summary>
    /// Where the storage can fail, a page fault must not be what meets the error (SIGBUS kills the process): bytes are
    /// mapped but populated by the read threads before use, which turns errors and stalls into exceptions without a copy,
    /// or, when pages could be evicted before use (the prefetch does not fit the budget) or the kernel cannot populate,
    /// read into memory. Local and memory file systems keep the plain zero-copy map.
    /// </summary>
    private static ShardPlan WithAccess(ShardPlan shard, LoadOptions options, bool canPopulate, bool fitsBudget)
    {
        if (shard.IsSkipped)
        {
            return shard;
        }

        if (shard.Strategy == LoadStrategy.Eager)
        {
            return EagerAccess(shard, options);
        }

        if (shard.Access == ShardAccess.Direct)
        {
            return shard;
        }

        var canFail = shard.FileSystem.Class is FileSystemClass.Network or FileSystemClass.Unknown;
        return options.Access switch
        {
            ShardAccess.Read => shard.WithAccess(ShardAccess.Read, shard.Reason + "; read into memory (asked for)"),
            ShardAccess.Map => shard.WithAccess(ShardAccess.Map, shard.Reason + "; mapped (asked for)"),
            ShardAccess.Direct => shard.WithAccess(ShardAccess.Direct, shard.Reason + "; read past the page cache (asked for)"),
            ShardAccess.PopulatedMap when canPopulate => shard.WithAccess(ShardAccess.PopulatedMap, shard.Reason + "; mapped and populated before use (asked for)"),
            ShardAccess.PopulatedMap => shard.WithAccess(ShardAccess.Read, shard.Reason + "; read into memory: a populated map was asked for, but this kernel cannot populate maps (Linux 5.14 or later)"),
            _ when options.Strategy == LoadStrategy.Lazy => shard,
            _ when canFail && canPopulate && fitsBudget => shard.WithAccess(ShardAccess.PopulatedMap, shard.Reason + "; mapped, each range populated by the read threads before use, so a storage error is an exception " +
                    "rather than a crash (what is prefetched fits the memory budget, so its pages stay cached until used)"),
            _ when canFail => shard.WithAccess(ShardAccess.Read, shard.Reason + "; its bytes are read into memory, not mapped, so a storage error is an exception rather than a crash" +
                    (canPopulate ? " (a map's pages could be evicted before use: the prefetch does not fit the memory budget)" : string.Empty)),
            _ => shard,
        };
    }

    /// <summary>
    /// An eager shard is read into memory the loader owns. From a cold local shard that read goes past the page cache
    /// (direct reads at the device's queue depth into the load's own arrays): through the cache, each byte would fill a
    /// cache page first and be copied from it, two fresh pages where one does (cold 4 GiB on this project's benchmark
    /// machine, medians of 5: 10.3 s and 18.5 CPU-s buffered, 6.5 s and 9.8 CPU-s direct). A cached shard is copied from
    /// the cache, at memory speed; network and unknown file systems, whose direct I/O goes uncached request by request to
    /// the server, read through it.
    /// </summary>
    private static ShardPlan EagerAccess(ShardPlan shard, LoadOptions options)
    {
        var coldLocal = shard.FileSystem.Class == FileSystemClass.Local && !IsCached(shard.CachedBytes, shard.Selection.ReadBytes);
        return options.Access switch
        {
            ShardAccess.Direct => shard.WithAccess(ShardAccess.Direct, shard.Reason + "; read past the page cache (asked for)"),
            ShardAccess.Auto when coldLocal => shard.WithAccess(ShardAccess.Direct,
                shard.Reason + "; read past the page cache into the load's own memory: a cold local shard comes at the device's speed, with no cache pages to fill"),
            _ => shard.WithAccess(ShardAccess.Read, shard.Reason),
        };
    }

    private static string CachedText(long? cached, long length) => cached switch
    {
        null => "its page cache residency is unknown (counted as not cached)",
        _ when length == 0 => "it is empty",
        { } bytes => string.Create(CultureInfo.InvariantCulture, $"{(double)bytes / length:0%} of it is in the page cache"),
    };

    private static (long? Budget, string Reason) Budget(MemoryFacts memory, LoadOptions options)
    {
        if (options.BudgetBytes is { } absolute)
        {
            return (absolute, $"{ByteSize.Format(absolute)} (set explicitly)");
        }

        if (memory.BindingAvailableBytes is not { } available)
        {
            return (null, "unknown (the available memory could not be measured)");
        }

        var budget = (long)(Math.Max(available, 0) * options.BudgetFraction);
        return (budget, string.Create(CultureInfo.InvariantCulture, $"{ByteSize.Format(budget)} ({options.BudgetFraction:0%} of {ByteSize.Format(available)} available)"));
    }
}
