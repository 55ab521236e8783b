using Checkpoints.Loading.Access;
using Checkpoints.Loading.Planning;
using Checkpoints.Storage.Cache;
using Checkpoints.Storage.Facts;
using Checkpoints.Storage.FileSystems;
using Checkpoints.Storage.Memory;


namespace Checkpoints.Tests.Loading.Planning;

public sealed class LoadPlannerTests
{
    private const long GiB = 1L << 30;

    private static StorageFileFacts File(string name, string type, FileSystemClass cls, long length, long? cached) => new(
        new FileSystemFacts($"/ckpt/{name}", $"/ckpt/{name}", "/ckpt", type, "server:/export", "/", cls, null, $"{type} test"),
        new FileResidency($"/ckpt/{name}", length, cached, cached is null ? ResidencyMethod.Unknown : ResidencyMethod.Cachestat, null));

    private static StorageFileFacts Nfs(string name, long length, long? cached = 0) => File(name, "nfs4", FileSystemClass.Network, length, cached);

    private static MemoryFacts Memory(long? available) =>
        new(available, 64 * GiB, "MemAvailable", [], available, MemoryLimitSource.Host, null, $"host MemAvailable: {available}");

    private static LoadPlan Plan(LoadOptions options, long? available, params StorageFileFacts[] files) =>
        LoadPlanner.Plan(new StorageFacts(files, Memory(available)), options, ReadAccessMemory.Bytes);

    /// <summary>One shard of each kind: cold and warm network, unknown, local, memory.</summary>
    private static StorageFileFacts[] EveryClass() =>
    [
        Nfs("cold", GiB), Nfs("warm", GiB, cached: GiB), File("unknown", "fuse.mystery", FileSystemClass.Unknown, GiB, 0),
        File("local", "ext4", FileSystemClass.Local, GiB, 0), File("shm", "tmpfs", FileSystemClass.Memory, GiB, 0),
    ];

    /// <summary>As <see cref="Plan"/>, on a kernel that can populate maps (Linux 5.14 or later).</summary>
    private static LoadPlan PlanPopulating(LoadOptions options, long? available, params StorageFileFacts[] files) =>
        LoadPlanner.Plan(new StorageFacts(files, Memory(available)) { CanPopulateMaps = true }, options, ReadAccessMemory.Bytes);

    [Fact]
    public void Auto_PrefetchesEverything_WhenNetworkShardsFitTheBudget()
    {
        var plan = Plan(new LoadOptions(), 100 * GiB, Nfs("a", 10 * GiB), Nfs("b", 10 * GiB));

        Assert.All(plan.Shards, shard => Assert.Equal((LoadStrategy.Prefetch, true), (shard.Strategy, shard.PrefetchedHere)));
        Assert.Equal(20 * GiB, plan.PrefetchBytes);
        Assert.Null(plan.WindowBytes);
        Assert.Equal((long)(90 * GiB), plan.BudgetBytes);
        Assert.Contains("nfs4 is a network file system and 0% of it is in the page cache", plan.Shards[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_UsesASlidingWindow_WhenNetworkShardsExceedTheBudget_InsteadOfGivingUp()
    {
        var plan = Plan(new LoadOptions(), 10 * GiB, Nfs("a", 8 * GiB), Nfs("b", 8 * GiB));

        Assert.All(plan.Shards, shard => Assert.Equal(LoadStrategy.Prefetch, shard.Strategy));
        // The budget (9 GiB) less the workers' buffers (8 x 16 MiB) and what read access holds (network shards are read).
        Assert.Equal((9 * GiB) - LoadPlanner.InFlight(new LoadOptions()) - ReadAccessMemory.Bytes, plan.WindowBytes);
        Assert.Equal(576L << 20, ReadAccessMemory.Bytes);
        Assert.Equal(128L << 20, LoadPlanner.InFlight(new LoadOptions()));
        Assert.Contains(plan.Warnings, warning => warning.Contains("at most the budget ahead of the reader", StringComparison.Ordinal));
    }

    [Fact]
    public void Auto_MapsCachedNetworkShards_WithoutPrefetchingThemAgain()
    {
        var plan = Plan(new LoadOptions(), 100 * GiB, Nfs("warm", 10 * GiB, cached: 10 * GiB), Nfs("cold", 10 * GiB, cached: GiB));

        Assert.Equal(LoadStrategy.Lazy, plan.Shards[0].Strategy);
        Assert.Contains("100% of it is in the page cache", plan.Shards[0].Reason, StringComparison.Ordinal);
        Assert.Equal(LoadStrategy.Prefetch, plan.Shards[1].Strategy);
        Assert.Equal(10 * GiB, plan.PrefetchBytes);
    }

    [Fact]
    public void Auto_CountsUnknownResidency_AsNotCached()
    {
        var plan = Plan(new LoadOptions(), 100 * GiB, Nfs("a", GiB, cached: null));

        Assert.Equal(LoadStrategy.Prefetch, plan.Shards[0].Strategy);
        Assert.Contains("unknown (counted as not cached)", plan.Shards[0].Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ext4", FileSystemClass.Local, GiB)]
    [InlineData("xfs", FileSystemClass.Local, GiB - (GiB / 50))]
    [InlineData("tmpfs", FileSystemClass.Memory, 0L)]
    public void Auto_MapsCachedLocalShardsAndMemoryShardsLazily(string type, FileSystemClass cls, long cached)
    {
        var plan = Plan(new LoadOptions(), 100 * GiB, File("a", type, cls, GiB, cached));

        Assert.Equal((LoadStrategy.Lazy, false, ShardAccess.Map), (plan.Shards[0].Strategy, plan.Shards[0].PrefetchedHere, plan.Shards[0].Access));
        Assert.Equal(0, plan.PrefetchBytes);
        Assert.False(plan.HasPrefetch);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(GiB / 2)]
    [InlineData(null)]
    public void Auto_PrefetchesLocalShardsNotCached_AndStillMapsThem(long? cached)
    {
        var plan = Plan(new LoadOptions(), 100 * GiB, File("a", "ext4", FileSystemClass.Local, GiB, cached));

        Assert.Equal((LoadStrategy.Prefetch, true, ShardAccess.Map), (plan.Shards[0].Strategy, plan.Shards[0].PrefetchedHere, plan.Shards[0].Access));
        Assert.Equal(GiB, plan.PrefetchBytes);
        Assert.Contains("ext4 is a local file system and", plan.Shards[0].Reason, StringComparison.Ordinal);
        Assert.Contains("faster than the reader's own page faults", plan.Shards[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_PlansMixedPlacementPerShard()
    {
        var plan = Plan(new LoadOptions(), 100 * GiB,
            File("local", "ext4", FileSystemClass.Local, GiB, GiB), Nfs("remote", GiB), File("fuse", "fuse.sshfs", FileSystemClass.Network, GiB, 0));

        Assert.Equal([LoadStrategy.Lazy, LoadStrategy.Prefetch, LoadStrategy.Prefetch], plan.Shards.Select(shard => shard.Strategy));
        Assert.Equal(2 * GiB, plan.PrefetchBytes);
    }

    [Fact]
    public void Auto_PrefetchesUnknownFileSystems_AndSaysHowToClassifyThem()
    {
        var plan = Plan(new LoadOptions(), 100 * GiB, File("a", "fuse.inhouse", FileSystemClass.Unknown, GiB, 0));

        Assert.Equal(LoadStrategy.Prefetch, plan.Shards[0].Strategy);
        Assert.Contains(plan.Warnings, warning => warning.Contains("'fuse.inhouse'", StringComparison.Ordinal) && warning.Contains("CKPT_NETWORK_FS", StringComparison.Ordinal));
    }

    [Fact]
    public void ForcedPrefetch_OverBudget_StillWorksThroughTheWindow_WithAWarning()
    {
        var plan = Plan(new LoadOptions { Strategy = LoadStrategy.Prefetch }, 4 * GiB, File("a", "ext4", FileSystemClass.Local, 8 * GiB, 0));

        Assert.Equal(LoadStrategy.Prefetch, plan.Shards[0].Strategy);
        Assert.Equal((long)(3.6 * GiB) - (128L << 20), plan.WindowBytes);
        Assert.Contains(plan.Warnings, warning => warning.StartsWith("prefetch was forced", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(LoadStrategy.Lazy)]
    [InlineData(LoadStrategy.Eager)]
    public void ForcedStrategy_AppliesToEveryShard(LoadStrategy strategy)
    {
        var plan = Plan(new LoadOptions { Strategy = strategy }, 100 * GiB, Nfs("a", GiB), File("b", "ext4", FileSystemClass.Local, GiB, 0));

        Assert.All(plan.Shards, shard => Assert.Equal(strategy, shard.Strategy));
        Assert.Equal(0, plan.PrefetchBytes);
        Assert.Contains("was asked for", plan.Shards[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ForcedEager_WarnsWhenAShardExceedsTheBudget()
    {
        var plan = Plan(new LoadOptions { Strategy = LoadStrategy.Eager }, 2 * GiB, Nfs("a", 4 * GiB));

        Assert.Contains(plan.Warnings, warning => warning.StartsWith("eager was forced", StringComparison.Ordinal));
    }

    [Fact]
    public void Budget_IsTheConfiguredFractionOfTheBindingMemory()
    {
        var plan = Plan(new LoadOptions { BudgetFraction = 0.5 }, 10 * GiB, Nfs("a", 6 * GiB));

        Assert.Equal(5 * GiB, plan.BudgetBytes);
        Assert.Equal((5 * GiB) - (128L << 20) - ReadAccessMemory.Bytes, plan.WindowBytes);
    }

    [Fact]
    public void Budget_CanBeSetInBytes()
    {
        var plan = Plan(new LoadOptions { BudgetBytes = GiB }, 100 * GiB, Nfs("a", 2 * GiB));

        Assert.Equal(GiB, plan.BudgetBytes);
        Assert.Equal(GiB - (128L << 20) - ReadAccessMemory.Bytes, plan.WindowBytes);
        Assert.Contains("set explicitly", plan.BudgetReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Budget_Unknown_LimitsTheWindowAndSaysSo()
    {
        var plan = Plan(new LoadOptions(), null, Nfs("a", 10 * GiB));

        Assert.Null(plan.BudgetBytes);
        Assert.Equal(LoadPlanner.UnknownMemoryWindow, plan.WindowBytes);
        Assert.Contains(plan.Warnings, warning => warning.Contains("memory is unknown", StringComparison.Ordinal));
    }

    [Fact]
    public void Ranks_SplitThePrefetchedShards_SoTheNodeReadsEachOnce()
    {
        var files = Enumerable.Range(0, 5).Select(i => Nfs($"s{i}", GiB)).ToArray();

        var rank0 = Plan(new LoadOptions { Rank = 0, WorldSize = 2 }, 100 * GiB, files);
        var rank1 = Plan(new LoadOptions { Rank = 1, WorldSize = 2 }, 100 * GiB, files);

        Assert.Equal([true, false, true, false, true], rank0.Shards.Select(shard => shard.PrefetchedHere));
        Assert.Equal([false, true, false, true, false], rank1.Shards.Select(shard => shard.PrefetchedHere));
        Assert.Contains("local rank 0 of 2 warms it", rank1.Shards[0].Reason, StringComparison.Ordinal);
        Assert.Equal(3 * GiB, rank0.PrefetchBytes);
        Assert.Equal(2 * GiB, rank1.PrefetchBytes);
    }

    [Fact]
    public void Ranks_CheckTheBudgetAgainstWhatTheWholeNodeWarms()
    {
        // Each rank warms 8 GiB, which would fit 20 GiB; the node warms 32 GiB, which does not.
        var files = Enumerable.Range(0, 4).Select(i => Nfs($"s{i}", 8 * GiB)).ToArray();

        var plan = Plan(new LoadOptions { Rank = 0, WorldSize = 4, BudgetBytes = 20 * GiB }, 100 * GiB, files);

        Assert.Equal(8 * GiB, plan.PrefetchBytes);
        Assert.Equal((20 * GiB) - (128L << 20) - ReadAccessMemory.Bytes, plan.WindowBytes);
        Assert.Contains(plan.Warnings, warning => warning.Contains("by all 4 local ranks", StringComparison.Ordinal));
    }

    [Fact]
    public void Budget_OfNothing_StillLetsTheWindowMoveOneBlockAtATime()
    {
        // A container at its cgroup limit (page cache counts as usage) has 0 bytes available.
        var plan = Plan(new LoadOptions(), 0, Nfs("a", GiB));

        Assert.Equal(0, plan.BudgetBytes);
        Assert.Equal(LoadOptions.DefaultBlockSize, plan.WindowBytes);
        Assert.Equal(LoadStrategy.Prefetch, plan.Shards[0].Strategy);
    }

    [Fact]
    public void Ranks_CountOnlyPrefetchedShards_WhenDealingThemOut()
    {
        var plan = Plan(new LoadOptions { Rank = 1, WorldSize = 2 }, 100 * GiB,
            File("local", "ext4", FileSystemClass.Local, GiB, GiB), Nfs("a", GiB), Nfs("b", GiB));

        Assert.Equal([false, false, true], plan.Shards.Select(shard => shard.PrefetchedHere));
    }

    [Fact]
    public void Plan_AsText_GivesEveryShardsReasonAndTheMemory()
    {
        var text = Plan(new LoadOptions(), 10 * GiB, File("local.safetensors", "ext4", FileSystemClass.Local, GiB, GiB), Nfs("remote.safetensors", 20 * GiB)).ToString();

        Assert.Contains("local.safetensors: lazy, map - ext4 is a local file system and 100% of it is in the page cache", text, StringComparison.Ordinal);
        Assert.Contains("remote.safetensors: prefetch, read - nfs4 is a network file system", text, StringComparison.Ordinal);
        Assert.Contains("memory: host MemAvailable", text, StringComparison.Ordinal);
        Assert.Contains("at most 8.31 GiB ahead of the reader", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lazy", LoadStrategy.Lazy)]
    [InlineData("EAGER", LoadStrategy.Eager)]
    [InlineData(" prefetch ", LoadStrategy.Prefetch)]
    [InlineData("auto", LoadStrategy.Auto)]
    public void ParseStrategy_AcceptsTheNames(string text, LoadStrategy expected)
    {
        Assert.Equal(expected, LoadOptions.ParseStrategy(text, "test"));
    }

    [Theory]
    [InlineData("fast")]
    [InlineData("1")]
    [InlineData("")]
    [InlineData("lazy,eager")]
    public void ParseStrategy_RefusesOtherText_NamingTheSource(string text)
    {
        var error = Assert.Throws<ArgumentException>(() => LoadOptions.ParseStrategy(text, "CKPT_LOAD_STRATEGY"));

        Assert.Contains("CKPT_LOAD_STRATEGY", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_ReadsShardsWhereTheStorageCanFail_AndMapsLocalOnes_OnAKernelThatCannotPopulateMaps()
    {
        var plan = Plan(new LoadOptions(), 100 * GiB, EveryClass());

        Assert.Equal(
            [ShardAccess.Read, ShardAccess.Read, ShardAccess.Read, ShardAccess.Map, ShardAccess.Map],
            plan.Shards.Select(static shard => shard.Access));
        Assert.Contains("read into memory, not mapped, so a storage error is an exception rather than a crash", plan.Shards[1].Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(plan.Warnings, warning => warning.Contains("SIGBUS", StringComparison.Ordinal));
    }

    [Fact]
    public void Auto_MapsAndPopulatesShardsWhereTheStorageCanFail_WhenThePrefetchFitsTheBudget()
    {
        var plan = PlanPopulating(new LoadOptions(), 100 * GiB, EveryClass());

        Assert.Equal(
            [ShardAccess.PopulatedMap, ShardAccess.PopulatedMap, ShardAccess.PopulatedMap, ShardAccess.Map, ShardAccess.Map],
            plan.Shards.Select(static shard => shard.Access));
        Assert.Contains("each range populated by the read threads before use, so a storage error is an exception", plan.Shards[0].Reason, StringComparison.Ordinal);
        Assert.Null(plan.WindowBytes);
        Assert.DoesNotContain(plan.Warnings, warning => warning.Contains("SIGBUS", StringComparison.Ordinal));
    }

    [Fact]
    public void Auto_ReadsShardsWhereTheStorageCanFail_WhenThePrefetchNeedsAWindow_AsMappedPagesCouldBeEvictedBeforeUse()
    {
        var plan = PlanPopulating(new LoadOptions(), 10 * GiB, Nfs("a", 8 * GiB), Nfs("b", 8 * GiB), File("local", "ext4", FileSystemClass.Local, GiB, GiB));

        Assert.Equal([ShardAccess.Read, ShardAccess.Read, ShardAccess.Map], plan.Shards.Select(static shard => shard.Access));
        Assert.Contains("a map's pages could be evicted before use", plan.Shards[0].Reason, StringComparison.Ordinal);
        // The window leaves room for what read access holds.
        Assert.Equal((9 * GiB) - LoadPlanner.InFlight(new LoadOptions()) - ReadAccessMemory.Bytes, plan.WindowBytes);
    }

    [Fact]
    public void Auto_MapsAndPopulates_WhenOnlyReadAccessWouldHaveNeededAWindow()
    {
        // 9 GiB budget: 8.5 GiB prefetched and the workers' buffers fit; with read access's segments on top they would not.
        var available = (long)(((8.5 * GiB) + LoadPlanner.InFlight(new LoadOptions()) + (ReadAccessMemory.Bytes / 2)) / 0.9);
        var plan = PlanPopulating(new LoadOptions(), available, Nfs("a", (long)(8.5 * GiB)));

        Assert.Equal(ShardAccess.PopulatedMap, plan.Shards[0].Access);
        Assert.Null(plan.WindowBytes);
    }

    [Fact]
    public void ForcedPopulatedMap_ReadsInstead_OnAKernelThatCannotPopulateMaps()
    {
        var plan = Plan(new LoadOptions { Access = ShardAccess.PopulatedMap }, 100 * GiB, Nfs("a", GiB));
        var able = PlanPopulating(new LoadOptions { Access = ShardAccess.PopulatedMap }, 100 * GiB, Nfs("a", GiB), File("local", "ext4", FileSystemClass.Local, GiB, 0));

        Assert.Equal(ShardAccess.Read, plan.Shards[0].Access);
        Assert.Contains("this kernel cannot populate maps (Linux 5.14 or later)", plan.Shards[0].Reason, StringComparison.Ordinal);
        Assert.All(able.Shards, shard => Assert.Equal(ShardAccess.PopulatedMap, shard.Access));
        Assert.EndsWith("mapped and populated before use (asked for)", able.Shards[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ForcedLazy_MapsNetworkShards_WithAWarningAboutSigbus()
    {
        var plan = Plan(new LoadOptions { Strategy = LoadStrategy.Lazy }, 100 * GiB, Nfs("a", GiB), File("local", "ext4", FileSystemClass.Local, GiB, 0));

        Assert.All(plan.Shards, shard => Assert.Equal(ShardAccess.Map, shard.Access));
        Assert.Contains(plan.Warnings, warning => warning.StartsWith("1 shard(s) on network or unknown storage are mapped", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(ShardAccess.Read, ShardAccess.Read, ShardAccess.Read)]
    [InlineData(ShardAccess.Map, ShardAccess.Map, ShardAccess.Map)]
    public void ForcedAccess_AppliesToEveryShardButEagerOnes(ShardAccess asked, ShardAccess network, ShardAccess local)
    {
        var plan = Plan(new LoadOptions { Access = asked }, 100 * GiB, Nfs("a", GiB), File("local", "ext4", FileSystemClass.Local, GiB, 0));
        var eager = Plan(new LoadOptions { Access = asked, Strategy = LoadStrategy.Eager }, 100 * GiB, File("local", "ext4", FileSystemClass.Local, GiB, 0));

        Assert.Equal((network, local), (plan.Shards[0].Access, plan.Shards[1].Access));
        Assert.Equal(ShardAccess.Read, eager.Shards[0].Access);
    }

    [Fact]
    public void ConsumerCopies_ReadsColdLocalShardsDirect_WithoutPrefetch_AndLeavesTheRestAsAutoWould()
    {
        var options = new LoadOptions { ConsumerCopies = true };
        var plan = PlanPopulating(options, 100 * GiB, [.. EveryClass(), File("warm-local", "xfs", FileSystemClass.Local, GiB, GiB)]);
        var without = PlanPopulating(new LoadOptions(), 100 * GiB, [.. EveryClass(), File("warm-local", "xfs", FileSystemClass.Local, GiB, GiB)]);

        var local = plan.Shards.Single(shard => shard.Path.EndsWith("/local", StringComparison.Ordinal));
        Assert.Equal((LoadStrategy.Lazy, ShardAccess.Direct, false), (local.Strategy, local.Access, local.PrefetchedHere));
        Assert.Contains("read past the page cache with parallel direct reads", local.Reason, StringComparison.Ordinal);
        Assert.Equal(without.PrefetchBytes - GiB, plan.PrefetchBytes);

        // Cached local, network, unknown and memory shards are planned exactly as without the option.
        var others = plan.Shards.Where(shard => shard != local).Select(shard => (shard.Path, shard.Strategy, shard.Access));
        var othersWithout = without.Shards.Where(shard => !shard.Path.EndsWith("/local", StringComparison.Ordinal)).Select(shard => (shard.Path, shard.Strategy, shard.Access));
        Assert.Equal(othersWithout, others);
    }

    [Fact]
    public void ConsumerCopies_DoesNotOverrideAnAskedStrategyOrAccess()
    {
        var local = File("local", "ext4", FileSystemClass.Local, GiB, 0);

        var eager = Plan(new LoadOptions { ConsumerCopies = true, Strategy = LoadStrategy.Eager }, 100 * GiB, local);
        var mapped = Plan(new LoadOptions { ConsumerCopies = true, Access = ShardAccess.Map }, 100 * GiB, local);

        // Eager stays eager (its cold local shard read direct, as for any eager load); a map stays a map.
        Assert.Equal((LoadStrategy.Eager, ShardAccess.Direct), (eager.Shards[0].Strategy, eager.Shards[0].Access));
        Assert.Equal((LoadStrategy.Prefetch, ShardAccess.Map), (mapped.Shards[0].Strategy, mapped.Shards[0].Access));
    }

    [Fact]
    public void Eager_ReadsColdLocalShardsPastThePageCache_AndTheRestThroughIt()
    {
        var plan = Plan(new LoadOptions { Strategy = LoadStrategy.Eager }, 100 * GiB,
            File("cold-local", "ext4", FileSystemClass.Local, GiB, 0), File("warm-local", "xfs", FileSystemClass.Local, GiB, GiB),
            Nfs("network", GiB), File("memory", "tmpfs", FileSystemClass.Memory, GiB, GiB));

        Assert.All(plan.Shards, shard => Assert.Equal(LoadStrategy.Eager, shard.Strategy));
        Assert.Equal([ShardAccess.Direct, ShardAccess.Read, ShardAccess.Read, ShardAccess.Read], plan.Shards.Select(static shard => shard.Access));
        Assert.EndsWith("read past the page cache into the load's own memory: a cold local shard comes at the device's speed, with no cache pages to fill",
            plan.Shards[0].Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ShardAccess.Read, ShardAccess.Read)]
    [InlineData(ShardAccess.Direct, ShardAccess.Direct)]
    public void Eager_FollowsTheAccessAskedFor(ShardAccess asked, ShardAccess planned)
    {
        var plan = Plan(new LoadOptions { Strategy = LoadStrategy.Eager, Access = asked }, 100 * GiB,
            File("cold-local", "ext4", FileSystemClass.Local, GiB, 0), Nfs("network", GiB));

        Assert.All(plan.Shards, shard => Assert.Equal((LoadStrategy.Eager, planned), (shard.Strategy, shard.Access)));
    }

    [Fact]
    public void AskedDirect_ReadsEveryShardDirect_WithoutPrefetchingItAsWell()
    {
        var plan = Plan(new LoadOptions { Access = ShardAccess.Direct }, 100 * GiB, Nfs("a", GiB), File("local", "ext4", FileSystemClass.Local, GiB, GiB));

        Assert.All(plan.Shards, shard => Assert.Equal((LoadStrategy.Lazy, ShardAccess.Direct, false), (shard.Strategy, shard.Access, shard.PrefetchedHere)));
        Assert.Equal(0, plan.PrefetchBytes);
        Assert.StartsWith("direct reads were asked for (nfs4, 0% of it is in the page cache)", plan.Shards[0].Reason, StringComparison.Ordinal);
    }
}
