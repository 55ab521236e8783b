using Checkpoints.Loading.Access;
using Checkpoints.Loading.Planning;
using Checkpoints.Loading.Session;
using Checkpoints.Selection;
using Checkpoints.Storage.Cache;
using Checkpoints.Storage.Facts;
using Checkpoints.Storage.FileSystems;
using Checkpoints.Storage.Memory;

namespace Checkpoints.Tests.Selection;

/// <summary>The planner, the coalescing and the load order on the ranges a selection needs.</summary>
public sealed class SelectionPlanningTests
{
    private const long MiB = 1L << 20;
    private const long GiB = 1L << 30;

    private static StorageFileFacts Nfs(string name, long length, long? cached = 0) => new(
        new FileSystemFacts($"/ckpt/{name}", $"/ckpt/{name}", "/ckpt", "nfs4", "server:/export", "/", FileSystemClass.Network, null, "nfs4 test"),
        new FileResidency($"/ckpt/{name}", length, cached, ResidencyMethod.Cachestat, null));

    private static MemoryFacts Memory(long available) =>
        new(available, 64 * GiB, "MemAvailable", [], available, MemoryLimitSource.Host, null, "host");

    private static ShardSelection Ranges(long fileLength, params (long Start, long Length)[] pieces) => Ranges(fileLength, MiB, pieces);

    private static ShardSelection Ranges(long fileLength, long gap, params (long Start, long Length)[] pieces)
    {
        var ranges = pieces.Select(static piece => new ByteRange(piece.Start, piece.Length)).ToArray();
        return new ShardSelection(fileLength, ranges.Sum(static range => range.Length), ranges, new RangeCoalescing(gap, 0.9).Reads(ranges, fileLength));
    }

    [Fact]
    public void Coalescing_ReadsThroughSmallGaps_AndKeepsLargeOnesApart()
    {
        var reads = new RangeCoalescing(MiB, 0.9).Reads([new ByteRange(0, 10), new ByteRange(10 + MiB, 10), new ByteRange(20 + (3 * MiB), 10)], 100 * MiB);

        Assert.Equal([new ByteRange(0, 20 + MiB), new ByteRange(20 + (3 * MiB), 10)], reads);
    }

    [Theory]
    [InlineData(0.89, 2)]
    [InlineData(0.91, 1)]
    public void Crossover_ReadsOneStreamFromTheFirstSelectedByteToTheLast_WhenTheRangesCoverMostOfTheShard(double covered, int expectedReads)
    {
        var length = 100 * MiB;
        var first = new ByteRange(MiB, (long)(covered * length) - MiB);
        var second = new ByteRange(length - MiB, MiB);

        var reads = new RangeCoalescing(0, 0.9).Reads([first, second], length);

        Assert.Equal(expectedReads, reads.Count);
        Assert.Equal(MiB, reads[0].Start);
        Assert.Equal(length, reads[^1].End);
    }

    [Fact]
    public void Planner_SkipsShardsWithNothingSelected_AndPrefetchesOnlyTheRanges()
    {
        var facts = new StorageFacts([Nfs("a", GiB), Nfs("b", GiB)], Memory(100 * GiB));
        var selections = new[] { Ranges(GiB, (100 * MiB, 50 * MiB), (500 * MiB, 10 * MiB)), Ranges(GiB) };

        var plan = LoadPlanner.Plan(facts, new LoadOptions { Selection = TensorSelection.Names("x") }, ReadAccessMemory.Bytes, selections, [0, 0]);

        Assert.Equal((LoadStrategy.Prefetch, false, 60 * MiB, 2), (plan.Shards[0].Strategy, plan.Shards[0].IsSkipped, plan.Shards[0].ReadBytes, plan.Shards[0].ReadRanges));
        Assert.True(plan.Shards[1].IsSkipped);
        Assert.False(plan.Shards[1].PrefetchedHere);
        Assert.Equal(60 * MiB, plan.PrefetchBytes);
        Assert.Contains("nothing of it is selected", plan.Shards[1].Reason, StringComparison.Ordinal);
        Assert.Contains("1 shard(s) with nothing selected", plan.Summary, StringComparison.Ordinal);
        Assert.Contains("60 MiB selected, 60 MiB read in 2 range(s)", plan.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Budget_CountsOnlyWhatTheSelectionReads()
    {
        // 40 GiB of shards, 2 GiB of them selected, 10 GiB available: no window is needed.
        var facts = new StorageFacts([.. Enumerable.Range(0, 4).Select(i => Nfs($"s{i}", 10 * GiB))], Memory(10 * GiB));
        var selections = Enumerable.Range(0, 4).Select(_ => Ranges(10 * GiB, (GiB, GiB / 2))).ToArray();

        var selective = LoadPlanner.Plan(facts, new LoadOptions { Selection = TensorSelection.Names("x") }, ReadAccessMemory.Bytes, selections, [0, 0, 0, 0]);
        var full = LoadPlanner.Plan(facts, new LoadOptions(), ReadAccessMemory.Bytes);

        Assert.Null(selective.WindowBytes);
        Assert.Equal(2 * GiB, selective.PrefetchBytes);
        Assert.NotNull(full.WindowBytes);
    }

    [Fact]
    public void LocalRanks_WithASelection_EachWarmTheirOwnRanges_InsteadOfSplittingShards()
    {
        var facts = new StorageFacts([Nfs("a", GiB), Nfs("b", GiB)], Memory(100 * GiB));
        var selections = new[] { Ranges(GiB, (0, MiB)), Ranges(GiB, (0, MiB)) };

        var selective = LoadPlanner.Plan(facts, new LoadOptions { Selection = TensorSelection.Names("x"), Rank = 1, WorldSize = 2 }, ReadAccessMemory.Bytes, selections, [0, 0]);
        var full = LoadPlanner.Plan(facts, new LoadOptions { Rank = 1, WorldSize = 2 }, ReadAccessMemory.Bytes);

        Assert.All(selective.Shards, static shard => Assert.True(shard.PrefetchedHere));
        Assert.Equal([false, true], full.Shards.Select(static shard => shard.PrefetchedHere));
        // The node's readers are shared out among its ranks.
        Assert.Equal(LoadOptions.DefaultThreads / 2, selective.Threads);
        Assert.Equal(LoadOptions.DefaultThreads, full.Threads);
    }

    [Fact]
    public void CachedRanges_AreMappedWithoutPrefetching()
    {
        var facts = new StorageFacts([Nfs("a", GiB, cached: 0)], Memory(100 * GiB));

        var plan = LoadPlanner.Plan(facts, new LoadOptions { Selection = TensorSelection.Names("x") }, ReadAccessMemory.Bytes, [Ranges(GiB, (0, 100 * MiB))], [100 * MiB]);

        Assert.Equal(LoadStrategy.Lazy, plan.Shards[0].Strategy);
        Assert.Equal(0, plan.PrefetchBytes);
    }

    [Fact]
    public void LoadOrder_LaysTheReadsEndToEnd_AndMapsPositionsBack()
    {
        var order = new LoadOrder([Ranges(100, 5, (10, 20), (60, 10)), Ranges(50), ShardSelection.Whole(40, 30)], coalesceGap: 5);

        Assert.Equal(70, order.Total);
        Assert.Equal(0, order.PositionOf(0, 10L));
        Assert.Equal(15, order.PositionOf(0, 25L));
        Assert.Equal(20, order.PositionOf(0, 60L));
        Assert.Equal(30, order.PositionOf(2, 0L));
        Assert.Equal([(0, 65L, 5L), (2, 0L, 10L)], order.Between(25, 40).ToArray());
        Assert.Equal(0, order.LargestSkip);
    }

    [Fact]
    public void LoadOrder_CountsTheGapsInsideAReadAsSkippable()
    {
        var order = new LoadOrder([Ranges(100 * MiB, (0, 10), (100, 10), (50 * MiB, 10))], coalesceGap: MiB);

        Assert.Equal(90, order.LargestSkip);
        Assert.Equal(2, order.PlacedReadsOf(0).Count);
    }
}
