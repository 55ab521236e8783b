using Checkpoints.Format;
using Checkpoints.Loading.Planning;
using Checkpoints.Storage.FileSystems;
using Checkpoints.Synthesis;


namespace Checkpoints.Reliability.Tests.TestSupport;

/// <summary>
/// The set-up shared by the network fault tests: a synthetic checkpoint of about 6 MiB in four shards behind a proxied
/// sshfs mount, loaded with the automatic plan (prefetch, then read access or a populated map) and small blocks, and
/// what a load cut short by a fault must look like.
/// </summary>
internal static class FaultyNetwork
{
    public const int BlockSize = 256 << 10;

    /// <summary>The consumer moves to this shard when the fault is injected; every tensor before it must be intact.</summary>
    public const int FaultedShard = 1;

    public static readonly TimeSpan RoundTripTime = TimeSpan.FromMilliseconds(1);

    /// <summary>Longer than any load here takes: when a test waits this long, the loader has hung.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static Task<ProxiedSshfs> StartAsync() =>
        ProxiedSshfs.StartAsync(static directory => SyntheticCheckpoint.Write(directory, 6L << 20, 4, DType.BF16), RoundTripTime);

    /// <summary>Both ways the planner brings a network shard's bytes to the reader.</summary>
    public static TheoryData<ShardAccess> Accesses => [ShardAccess.Read, ShardAccess.PopulatedMap];

    /// <summary>
    /// Opens the checkpoint on the mount as an application would, and checks the plan is the one under test, so that
    /// when the fault comes most of the checkpoint has not crossed the link yet (with the whole budget and nothing else it
    /// would all be cached in a blink). For <see cref="ShardAccess.Read"/>, the memory budget leaves the prefetch a window
    /// of one block: it runs only just ahead of the consumer. A populated map is planned only when the prefetch fits, so
    /// for it this process is local rank 0 of 4: it warms the first shard, and the reader's own population reads the
    /// others, which no other rank is there to warm.
    /// </summary>
    public static Checkpoint Open(ProxiedSshfs network, TimeSpan readTimeout, ShardAccess access)
    {
        var options = new LoadOptions { BlockSize = BlockSize, ReadTimeout = readTimeout };
        options = access == ShardAccess.Read
            ? options with { BudgetBytes = LoadPlanner.InFlight(options) + BlockSize }
            : options with { Rank = 0, WorldSize = 4 };
        var checkpoint = Checkpoint.Open(network.MountPoint, options);
        try
        {
            Assert.Equal(4, checkpoint.Shards.Count);
            Assert.All(checkpoint.Plan.Shards, shard =>
            {
                Assert.Equal(FileSystemClass.Network, shard.FileSystem.Class);
                Assert.Equal(LoadStrategy.Prefetch, shard.Strategy);
                Assert.Equal(access, shard.Access);
            });
            Assert.Equal(access == ShardAccess.Read ? BlockSize : null, checkpoint.Plan.WindowBytes);
            Assert.Equal(access == ShardAccess.Read ? 4 : 1, checkpoint.Plan.Shards.Count(static shard => shard.PrefetchedHere));
            return checkpoint;
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The outcome every fault must have: an <see cref="IOException"/> (the process is alive to catch it: under a map it
    /// would have been a SIGBUS) naming the shard on the mount, raised at the faulted shard or later, after every earlier
    /// tensor was handed out with exactly its bytes. Nothing changed on the server, so the error must not blame a writer.
    /// </summary>
    public static IOException AssertFailedCleanly(Consumption consumption, ProxiedSshfs network, Checkpoint checkpoint)
    {
        var error = Assert.IsAssignableFrom<IOException>(consumption.Failure);
        var tensor = Assert.IsType<Tensor>(consumption.FailedTensor);
        Assert.Empty(consumption.Mismatches);
        Assert.True(tensor.ShardIndex >= FaultedShard, $"The load failed in shard {tensor.ShardIndex}, before the fault: {error}");
        var intactBefore = checkpoint.Tensors.Count(candidate => candidate.ShardIndex < FaultedShard);
        Assert.True(consumption.TensorsVerified >= intactBefore, $"Only {consumption.TensorsVerified} of the {intactBefore} tensors read before the fault were verified.");
        Assert.StartsWith(network.MountPoint, tensor.ShardPath, StringComparison.Ordinal);
        Assert.Contains(tensor.ShardPath, error.Message, StringComparison.Ordinal);
        foreach (var blame in (string[])["changed while loading", "replaced while loading", "deleted while loading"])
        {
            Assert.DoesNotContain(blame, error.Message, StringComparison.Ordinal);
        }

        return error;
    }
}
