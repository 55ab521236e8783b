using Checkpoints.Format;
using Checkpoints.Loading.Planning;
using Checkpoints.Selection;
using Checkpoints.Storage.Cache;
using Checkpoints.Synthesis;
using Checkpoints.Tests.TestSupport;

namespace Checkpoints.Tests.Selection;

/// <summary>A selective load hands out exactly the selected slices, under every strategy and access, and reads nothing else.</summary>
public sealed class SelectiveLoadTests
{
    [Fact]
    public async Task AnySelection_UnderEveryStrategyAndAccess_HandsOutTheSameSliceAsAFullLoad()
    {
        using var directory = new TempDirectory();
        SyntheticCheckpoint.Write(directory.Path, 6L << 20, 3, DType.BF16);
        var whole = new Dictionary<string, (byte[] Bytes, long[] Shape)>();
        using (var full = Checkpoint.Open(directory.Path, new LoadOptions { Strategy = LoadStrategy.Lazy, Access = ShardAccess.Map }))
        {
            foreach (var tensor in full.Tensors)
            {
                whole[tensor.Name] = (tensor.Bytes.ToArray(), [.. tensor.Shape]);
            }
        }

        var random = new Random(1234);
        for (var round = 0; round < 3; round++)
        {
            var (selection, slices) = RandomSelection(random, whole);
            foreach (var strategy in Enum.GetValues<LoadStrategy>())
            {
                foreach (var access in Enum.GetValues<ShardAccess>())
                {
                    // A gap of 0 keeps strided slices in pieces; small blocks and budget make the window slide.
                    var options = new LoadOptions
                    {
                        Selection = selection,
                        Strategy = strategy,
                        Access = access,
                        Threads = 3,
                        BlockSize = 64 << 10,
                        BudgetBytes = 1L << 20,
                        CoalesceGapBytes = round == 0 ? 0 : LoadOptions.DefaultCoalesceGapBytes,
                    };
                    using var checkpoint = Checkpoint.Open(directory.Path, options);
                    foreach (var tensor in checkpoint.Tensors)
                    {
                        if (!slices.TryGetValue(tensor.Name, out var slice))
                        {
                            Assert.False(tensor.IsSelected);
                            Assert.Throws<InvalidOperationException>(() => tensor.CopySelectedTo(0, new byte[1]));
                            continue;
                        }

                        var expected = SliceReference.Cut(whole[tensor.Name].Bytes, whole[tensor.Name].Shape, 2, slice);
                        Assert.Equal(expected.Length, tensor.SelectedByteLength);
                        var copy = new byte[expected.Length];
                        var half = (copy.Length / 2) | 1;
                        tensor.CopySelectedTo(0, copy.AsSpan(0, Math.Min(half, copy.Length)));
                        tensor.CopySelectedTo(Math.Min(half, copy.Length), copy.AsSpan(Math.Min(half, copy.Length)));
                        Assert.True(expected.AsSpan().SequenceEqual(copy), $"{tensor.Name} ({slice}) differs under {strategy}/{access}");
                        if (tensor.IsSelectedContiguous)
                        {
                            Assert.True(expected.AsSpan().SequenceEqual(tensor.SelectedBytes), $"{tensor.Name} ({slice}) span differs under {strategy}/{access}");
                        }
                    }

                    Assert.Equal(slices.Sum(pair => SliceReference.Cut(whole[pair.Key].Bytes, whole[pair.Key].Shape, 2, pair.Value).Length), checkpoint.SelectedTensorBytes);
                    var finished = await Task.WhenAny(checkpoint.PrefetchCompletion, Task.Delay(TimeSpan.FromSeconds(30)));
                    Assert.True(finished == checkpoint.PrefetchCompletion, $"the prefetch did not finish: round {round}, {strategy}/{access}, {checkpoint.Plan}");
                }
            }
        }
    }

    [Fact]
    public void ASlicedTensor_RefusesItsWholeBytes_AndTypedCopiesHaveTheSliceShape()
    {
        using var directory = new TempDirectory();
        SyntheticCheckpoint.Write(directory.Path, 2L << 20, 1, DType.F32);
        using var checkpoint = Checkpoint.Open(directory.Path, new LoadOptions { Selection = TensorSelection.TensorParallel(1, 2) });
        var down = checkpoint.Tensors.First(static tensor => tensor.Name.EndsWith(".down_proj.weight", StringComparison.Ordinal));
        var norm = checkpoint.Tensors.First(static tensor => tensor.Name.EndsWith("input_layernorm.weight", StringComparison.Ordinal));

        Assert.Equal(TensorSlice.Split(SliceDimension.Last, 1, 2), down.Slice);
        Assert.Equal([down.Shape[0], down.Shape[1] / 2], down.SelectedShape);
        Assert.Throws<InvalidOperationException>(() => down.GetBytes(0, 4));
        Assert.Throws<InvalidOperationException>(() => down.CopyBytesTo(0, new byte[4]));
        Assert.Contains("one run per row", Assert.Throws<InvalidOperationException>(() => down.SelectedBytes.Length).Message, StringComparison.Ordinal);
        Assert.Equal(down.SelectedByteLength / 4, down.SelectedToArray<float>().Length);
        Assert.True(norm.Slice!.IsWhole);
        Assert.Equal(norm.ToArray<float>(), norm.SelectedToArray<float>());
    }

    [Fact]
    public async Task AStage_ReadsOnlyItsShards_TheOthersStayOutOfThePageCache()
    {
        using var directory = new TempDirectory();
        var shards = SyntheticCheckpoint.Write(directory.Path, 48L << 20, 4, DType.BF16);
        foreach (var shard in shards)
        {
            PageCache.Evict(shard);
        }

        var options = new LoadOptions { Selection = TensorSelection.PipelineStage(3, 4), Strategy = LoadStrategy.Prefetch };
        using (var checkpoint = Checkpoint.Open(directory.Path, options))
        {
            ContentDigest.Compute(checkpoint);
            await checkpoint.PrefetchCompletion.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Contains(checkpoint.Plan.Shards, static shard => shard.IsSkipped);
            foreach (var shard in checkpoint.Plan.Shards.Where(static shard => shard.IsSkipped))
            {
                // Its header was read (and the kernel's read-ahead may bring in a little after it): nothing more.
                var cached = PageCache.CreateDefault().GetResidency(shard.Path).CachedBytes;
                Assert.True(cached < 1L << 20, $"{cached} bytes of {shard.Path}, which has nothing selected, are cached");
            }
        }
    }

    [Theory]
    [InlineData(LoadStrategy.Lazy, ShardAccess.PopulatedMap)]
    [InlineData(LoadStrategy.Lazy, ShardAccess.Read)]
    [InlineData(LoadStrategy.Eager, ShardAccess.Auto)]
    [InlineData(LoadStrategy.Prefetch, ShardAccess.PopulatedMap)]
    [InlineData(LoadStrategy.Prefetch, ShardAccess.Map)]
    public async Task EachAccess_BringsInTheSelection_NotTheTensorsAroundIt(LoadStrategy strategy, ShardAccess access)
    {
        using var directory = new TempDirectory();
        var shard = Assert.Single(SyntheticCheckpoint.Write(directory.Path, 64L << 20, 1, DType.BF16));
        PageCache.Evict(shard);
        var options = new LoadOptions { Selection = TensorSelection.Names("model.layers.3.*"), Strategy = strategy, Access = access };

        long selected;
        using (var checkpoint = Checkpoint.Open(directory.Path, options))
        {
            selected = checkpoint.SelectedTensorBytes;
            // The prefetch first: a reader that faults on a plain map ahead of it reads around the page by the disk's
            // read-ahead (what this test measures is the loader's own reads, not that race).
            await checkpoint.PrefetchCompletion.WaitAsync(TimeSpan.FromSeconds(30));
            ContentDigest.Compute(checkpoint);
        }

        // The header, the kernel's read-ahead at the edges of the layer, and nothing of the other layers.
        var cached = PageCache.CreateDefault().GetResidency(shard).CachedBytes;
        Assert.True(selected > 4L << 20, $"the layer is {selected} bytes");
        Assert.True(cached < selected + (1L << 20), $"{cached} bytes cached after reading a layer of {selected} bytes under {strategy}/{access}");
    }

    [Fact]
    public void ColumnCutsGatheredByReads_StayOutOfWhatAGuardedMapPopulates_TheirRowsDoNot()
    {
        using var directory = new TempDirectory();
        SyntheticCheckpoint.Write(directory.Path, 6L << 20, 1, DType.BF16);
        var shard = Checkpoint.PlanLoad(directory.Path, new LoadOptions { Selection = TensorSelection.TensorParallel(1, 4), CoalesceGapBytes = 4096 }).Shards[0];
        using var checkpoint = Checkpoint.Open(directory.Path, new LoadOptions { Strategy = LoadStrategy.Lazy, Selection = TensorSelection.TensorParallel(1, 4), CoalesceGapBytes = 4096 });
        var selection = shard.Selection;
        static bool Overlaps(ByteRange range, Tensor tensor) => range.Start < tensor.FileOffset + tensor.ByteLength && tensor.FileOffset < range.End;

        var cuts = checkpoint.Tensors.Where(static tensor => tensor is { IsSelected: true, IsSelectedContiguous: false }).ToList();
        Assert.NotEmpty(cuts);
        Assert.All(cuts, cut =>
        {
            Assert.Contains(selection.Pieces, piece => Overlaps(piece, cut));
            Assert.DoesNotContain(selection.MappedPieces, piece => Overlaps(piece, cut));
        });
        var rows = checkpoint.Tensors.Where(static tensor => tensor is { IsSelected: true, IsSelectedContiguous: true }).ToList();
        Assert.All(rows, row => Assert.Contains(selection.MappedPieces, piece => Overlaps(piece, row)));
        Assert.Equal(selection.Pieces.Where(piece => !cuts.Exists(cut => Overlaps(piece, cut))), selection.MappedPieces);
    }

    [Fact]
    public void Residency_IsJudgedOnTheSelectedRanges_NotTheWholeShard()
    {
        using var directory = new TempDirectory();
        var shard = Assert.Single(SyntheticCheckpoint.Write(directory.Path, 64L << 20, 1, DType.BF16));
        PageCache.Evict(shard);
        // Read through the page cache (an eager load of a cold local shard would read past it), to cache exactly the layer.
        using (var warm = Checkpoint.Open(directory.Path, new LoadOptions
        {
            Selection = TensorSelection.Names("model.layers.3.*"),
            Strategy = LoadStrategy.Eager,
            Access = ShardAccess.Read,
        }))
        {
            ContentDigest.Compute(warm);
        }

        var cachedLayer = Checkpoint.PlanLoad(directory.Path, new LoadOptions { Selection = TensorSelection.Names("model.layers.3.*") }).Shards[0];
        var coldLayer = Checkpoint.PlanLoad(directory.Path, new LoadOptions { Selection = TensorSelection.Names("model.layers.5.*") }).Shards[0];

        Assert.Equal(LoadStrategy.Lazy, cachedLayer.Strategy);
        Assert.Equal(cachedLayer.ReadBytes, cachedLayer.CachedBytes);
        Assert.Equal(LoadStrategy.Prefetch, coldLayer.Strategy);
        Assert.True(coldLayer.CachedBytes < coldLayer.ReadBytes / 4, $"{coldLayer.CachedBytes} of {coldLayer.ReadBytes} bytes of the cold layer count as cached");
    }

    [Fact]
    public void MissingNames_AndPatternsThatMatchNothing_FailTheOpen()
    {
        using var directory = new TempDirectory();
        SyntheticCheckpoint.Write(directory.Path, 1L << 20, 1, DType.F32);

        var missing = Assert.Throws<ArgumentException>(() => Checkpoint.Open(directory.Path, new LoadOptions { Selection = TensorSelection.Names("model.norm.weight", "nope") }));
        var unmatched = Assert.Throws<ArgumentException>(() => Checkpoint.PlanLoad(directory.Path, new LoadOptions { Selection = TensorSelection.Names("*.experts.*") }));

        Assert.Contains("No tensor is named 'nope'", missing.Message, StringComparison.Ordinal);
        Assert.Contains("The pattern '*.experts.*' matches none", unmatched.Message, StringComparison.Ordinal);
    }

    /// <summary>About half the tensors, each whole or cut one of the ways a selection can cut.</summary>
    private static (TensorSelection Selection, Dictionary<string, TensorSlice> Slices) RandomSelection(Random random, Dictionary<string, (byte[] Bytes, long[] Shape)> tensors)
    {
        var slices = new Dictionary<string, TensorSlice>();
        foreach (var (name, (_, shape)) in tensors)
        {
            if (random.Next(2) == 0)
            {
                continue;
            }

            var first = shape.Length > 0 ? shape[0] : 1;
            var last = shape.Length > 0 ? shape[^1] : 1;
            slices[name] = shape.Length == 0 ? TensorSlice.Whole : random.Next(5) switch
            {
                0 => TensorSlice.Whole,
                1 => Rows(random, first),
                2 => Columns(random, last),
                3 => TensorSlice.Split(SliceDimension.First, random.Next(4), 4),
                _ => TensorSlice.Split(SliceDimension.Last, random.Next(3), 3),
            };
        }

        var selection = slices.Aggregate(TensorSelection.Names(slices.Keys), static (selection, pair) => selection.WithSlice(pair.Key, pair.Value));
        return (selection, slices);
    }

    private static TensorSlice Rows(Random random, long extent)
    {
        var start = random.NextInt64(extent);
        return TensorSlice.Rows(start, random.NextInt64(extent - start + 1));
    }

    private static TensorSlice Columns(Random random, long extent)
    {
        var start = random.NextInt64(extent);
        return TensorSlice.Columns(start, random.NextInt64(extent - start + 1));
    }
}
