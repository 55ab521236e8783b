using System.Diagnostics;
using Checkpoints.Loading.Planning;
using Checkpoints.NetEmu;
using Checkpoints.Reliability.Tests.TestSupport;
using Checkpoints.Selection;
using Checkpoints.Storage.Cache;
using Xunit.Abstractions;

namespace Checkpoints.Reliability.Tests;

/// <summary>
/// A tensor-parallel rank's column cut (one run per row) is read on a network file system by vectored reads on the read
/// threads rather than through the map. When the server stops answering in the middle of one, the load must end with
/// the read timeout's error naming the file, as every other read does, after every earlier slice was handed out intact.
/// </summary>
public sealed class StalledColumnCutTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Far above the timeout: the bound checks that the timeout ends the load, not how fast.</summary>
    private static readonly TimeSpan FailsWithin = TimeSpan.FromSeconds(30);

    private static readonly TensorSelection Rank = TensorSelection.TensorParallel(1, 4);

    /// <param name="cutInShard">Which column cut of the shard the link stops before: the first makes the open of the shard
    /// for reads wait (a round trip), a later one the vectored read itself.</param>
    /// <param name="waitingOn">What the error must say was waiting.</param>
    [Theory]
    [InlineData(0, "opening it to read rows at byte")]
    [InlineData(1, " rows of ")]
    public async Task ServerToClientStalled_BeforeAColumnCut_FailsWithTheReadTimeout_NamingTheFile(int cutInShard, string waitingOn)
    {
        var network = await FaultyNetwork.StartAsync();
        await using (network)
        {
            var expected = ReferenceTensors.Read(network.ServedDirectory, Rank);
            // Lazy: nothing is read ahead, so the cut's rows are still on the server when the link stops.
            var checkpoint = Checkpoint.Open(network.MountPoint, new LoadOptions
            {
                Strategy = LoadStrategy.Lazy,
                Access = ShardAccess.PopulatedMap,
                BlockSize = FaultyNetwork.BlockSize,
                ReadTimeout = ReadTimeout,
                Selection = Rank,
                // Rows' gaps (a few hundred bytes in this small model) are read through, whole tensors between cuts are
                // not: the cuts' spans stay out of the segments the map populates, as they do with real tensor sizes.
                CoalesceGapBytes = 4096,
            });
            try
            {
                Assert.All(checkpoint.Plan.Shards, static shard => Assert.Equal(ShardAccess.PopulatedMap, shard.Access));
                output.WriteLine(string.Join(", ", checkpoint.Tensors.Where(static tensor => !tensor.IsSelectedContiguous).Select(static tensor => $"{tensor.Name} [{string.Join(", ", tensor.Shape)}] in shard {tensor.ShardIndex}")));
                var cut = checkpoint.Tensors
                    .Where(static tensor => tensor.ShardIndex >= FaultyNetwork.FaultedShard && tensor is { IsSelected: true, IsSelectedContiguous: false })
                    .GroupBy(static tensor => tensor.ShardIndex)
                    .First(shard => shard.Count() > cutInShard)
                    .ElementAt(cutInShard);
                var firedAt = 0L;
                var consumption = await Consumer.ReadAllInBackground(checkpoint, expected, tensor =>
                {
                    if (tensor == cut)
                    {
                        // The reads of earlier tensors brought read-ahead into this mount's cache: what the cut needs
                        // must come from the server, so it goes first (pages no map holds are dropped).
                        PageCache.Evict(tensor.ShardPath);
                        firedAt = Stopwatch.GetTimestamp();
                        network.Proxy.Stall(ProxyDirection.ServerToClient);
                    }
                }).WaitAsync(FaultyNetwork.Patience);
                output.WriteLine(consumption.Outcome);

                Assert.Same(cut, consumption.FailedTensor);
                Assert.Empty(consumption.Mismatches);
                var error = Assert.IsAssignableFrom<IOException>(consumption.Failure);
                Assert.Contains(cut.ShardPath, error.Message, StringComparison.Ordinal);
                Assert.Contains("did not finish within 2 s", error.Message, StringComparison.Ordinal);
                Assert.Contains(waitingOn, error.Message, StringComparison.Ordinal);
                Assert.True(consumption.TensorsVerified >= checkpoint.Tensors.Count(candidate => candidate.IsSelected && candidate.ShardIndex < FaultyNetwork.FaultedShard));
                var failedAfter = Stopwatch.GetElapsedTime(firedAt, consumption.EndedAt);
                Assert.True(failedAfter < FailsWithin, $"Failed only {failedAfter} after the fault.");
            }
            finally
            {
                // The link flows again before anything is closed: reads stuck behind the stall finish, the mount is not busy.
                network.RestoreLink();
                checkpoint.Dispose();
            }
        }

        await SshfsLeftovers.AssertNoneAsync(network.Mount);
    }
}
