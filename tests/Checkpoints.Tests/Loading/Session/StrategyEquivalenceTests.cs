using Checkpoints.Format;
using Checkpoints.Loading.Planning;
using Checkpoints.Storage.Cache;
using Checkpoints.Synthesis;
using Checkpoints.Tests.TestSupport;


namespace Checkpoints.Tests.Loading.Session;

/// <summary>Every strategy hands out the same bytes for the same checkpoint.</summary>
public sealed class StrategyEquivalenceTests
{
    [Fact]
    public async Task EveryStrategy_UnderEveryAccess_YieldsIdenticalBytes()
    {
        using var directory = new TempDirectory();
        SyntheticCheckpoint.Write(directory.Path, 6L << 20, 3, DType.BF16);
        var digests = new Dictionary<(LoadStrategy, ShardAccess), ulong>();

        foreach (var strategy in Enum.GetValues<LoadStrategy>())
        {
            foreach (var access in Enum.GetValues<ShardAccess>())
            {
                // Small blocks and a small budget make the prefetch window slide while the digest reads.
                var options = new LoadOptions { Strategy = strategy, Access = access, Threads = 3, BlockSize = 64 << 10, BudgetBytes = 1L << 20 };
                using var checkpoint = Checkpoint.Open(directory.Path, options);
                Assert.All(checkpoint.Plan.Shards, shard => Assert.NotEqual(LoadStrategy.Auto, shard.Strategy));
                Assert.All(checkpoint.Plan.Shards, shard => Assert.NotEqual(ShardAccess.Auto, shard.Access));
                digests[(strategy, access)] = ContentDigest.Compute(checkpoint).Digest;
                await checkpoint.PrefetchCompletion.WaitAsync(TimeSpan.FromSeconds(30));
            }
        }

        Assert.Equal(Enum.GetValues<LoadStrategy>().Length * Enum.GetValues<ShardAccess>().Length, digests.Count);
        Assert.Single(digests.Values.Distinct());
    }

    [Fact]
    public async Task CopyBytesTo_UnderEveryStrategyAndAccess_CopiesWhatAMapHolds()
    {
        using var directory = new TempDirectory();
        SyntheticCheckpoint.Write(directory.Path, 6L << 20, 3, DType.BF16);
        var expected = new Dictionary<string, byte[]>();
        using (var mapped = Checkpoint.Open(directory.Path, new LoadOptions { Strategy = LoadStrategy.Lazy, Access = ShardAccess.Map }))
        {
            foreach (var tensor in mapped.Tensors)
            {
                expected[tensor.Name] = tensor.Bytes.ToArray();
            }
        }

        foreach (var strategy in Enum.GetValues<LoadStrategy>())
        {
            foreach (var access in Enum.GetValues<ShardAccess>())
            {
                var options = new LoadOptions { Strategy = strategy, Access = access, ConsumerCopies = true, Threads = 3, BlockSize = 64 << 10, BudgetBytes = 1L << 20 };
                using var checkpoint = Checkpoint.Open(directory.Path, options);
                foreach (var tensor in checkpoint.Tensors)
                {
                    // In two parts, the second starting at an odd byte, as a copier cutting a tensor into pieces does.
                    var copy = new byte[tensor.ByteLength];
                    var half = (int)(tensor.ByteLength / 2) | 1;
                    tensor.CopyBytesTo(0, copy.AsSpan(0, Math.Min(half, copy.Length)));
                    tensor.CopyBytesTo(Math.Min(half, copy.Length), copy.AsSpan(Math.Min(half, copy.Length)));
                    Assert.True(expected[tensor.Name].AsSpan().SequenceEqual(copy), $"{tensor.Name} differs under {strategy}/{access}");
                }

                await checkpoint.PrefetchCompletion.WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
    }

    [Fact]
    public void CopyBytesTo_RefusesRangesOutsideTheTensor()
    {
        using var directory = new TempDirectory();
        SyntheticCheckpoint.Write(directory.Path, 1L << 20, 1, DType.F32);
        using var checkpoint = Checkpoint.Open(directory.Path);
        var tensor = checkpoint.Tensors[0];

        Assert.Throws<ArgumentOutOfRangeException>(() => tensor.CopyBytesTo(1, new byte[tensor.ByteLength]));
        Assert.Throws<ArgumentOutOfRangeException>(() => tensor.CopyBytesTo(-1, new byte[1]));
        tensor.CopyBytesTo(tensor.ByteLength, []);
    }

    [Fact]
    public void Eager_ReleasesEarlierShards_AndReloadsOnRandomAccess()
    {
        using var directory = new TempDirectory();
        SyntheticCheckpoint.Write(directory.Path, 2L << 20, 2, DType.F32);
        var logger = new ListLogger();
        using var checkpoint = Checkpoint.Open(directory.Path, new LoadOptions { Strategy = LoadStrategy.Eager }, logger);
        var first = checkpoint.Tensors[0];
        var last = checkpoint.Tensors[^1];
        var before = first.Bytes.ToArray();

        _ = last.Bytes.Length;
        var after = first.Bytes.ToArray();

        Assert.Equal(before, after);
        // Shard 0, then shard 1 (releasing shard 0), then shard 0 again: three reads into memory.
        Assert.Equal(3, logger.Entries.Count(entry => entry.Message.StartsWith("Read model-", StringComparison.Ordinal)));
    }

    [Fact]
    public void OverBudget_GivesBackWhatTheReaderHasPassed()
    {
        using var directory = new TempDirectory();
        var shards = SyntheticCheckpoint.Write(directory.Path, 160L << 20, 3, DType.BF16);
        foreach (var shard in shards)
        {
            // Written back and cold, as a downloaded checkpoint is: dirty pages could not be given back.
            PageCache.Evict(shard);
        }

        var options = new LoadOptions { Strategy = LoadStrategy.Prefetch, BudgetBytes = 32L << 20, Threads = 2, BlockSize = 1 << 20 };
        using var checkpoint = Checkpoint.Open(directory.Path, options);
        var first = checkpoint.Shards[0];

        ContentDigest.Compute(checkpoint);

        // Nothing else presses on memory here: only the release behind the reader can have dropped the first shard.
        Assert.NotNull(checkpoint.Plan.WindowBytes);
        var cached = PageCache.CreateDefault().GetResidency(first.Path).CachedBytes;
        Assert.True(cached < first.FileLength / 2, $"{cached} of {first.FileLength} bytes of the first shard are still cached");
    }

    [Fact]
    public void Options_TakeTheStrategyFromTheEnvironment()
    {
        Assert.Equal(LoadStrategy.Eager, LoadOptions.FromEnvironment(name => name == "CKPT_LOAD_STRATEGY" ? "eager" : null).Strategy);
        Assert.Equal(LoadStrategy.Auto, LoadOptions.FromEnvironment(_ => null).Strategy);

        var error = Assert.Throws<ArgumentException>(() => LoadOptions.FromEnvironment(_ => "quick"));
        Assert.Contains("CKPT_LOAD_STRATEGY: 'quick' is not a load strategy", error.Message, StringComparison.Ordinal);
    }
}
