using Checkpoints.Loading.Planning;
using Checkpoints.NetEmu;
using Checkpoints.Reliability.Tests.TestSupport;
using Xunit.Abstractions;

namespace Checkpoints.Reliability.Tests;

/// <summary>
/// The connection under an sshfs mount is cut in the middle of a load. sshfs (without <c>-o reconnect</c>) then exits and
/// unmounts itself; until it has, reads on an open file return end of file or "Transport endpoint is not connected".
/// The loader must turn any of that into an error naming the shard, having handed out only correct bytes.
/// </summary>
public sealed class DroppedConnectionTests(ITestOutputHelper output)
{
    private const int FaultedShard = FaultyNetwork.FaultedShard;

    [Theory]
    [MemberData(nameof(FaultyNetwork.Accesses), MemberType = typeof(FaultyNetwork))]
    public async Task ConnectionDroppedAfterAThirdOfTheBytes_FailsWithAnErrorNamingTheShard_AfterOnlyCorrectBytes(ShardAccess access)
    {
        var network = await FaultyNetwork.StartAsync();
        await using (network)
        {
            var expected = ReferenceTensors.Read(network.ServedDirectory);
            using var checkpoint = FaultyNetwork.Open(network, FaultyNetwork.Patience, access);
            var third = checkpoint.TotalTensorBytes / 3;
            long bytesBeforeFault = 0;
            var trigger = new FaultTrigger(FaultedShard, () =>
            {
                bytesBeforeFault = network.Proxy.GetStatistics().BytesServerToClient;
                network.Proxy.DropConnectionsAfterBytes(third, ProxyDirection.ServerToClient);
            });

            var consumption = await Consumer.ReadAllInBackground(checkpoint, expected, trigger.BeforeTensor).WaitAsync(FaultyNetwork.Patience);
            output.WriteLine(consumption.Outcome);

            Assert.True(trigger.Fired);
            FaultyNetwork.AssertFailedCleanly(consumption, network, checkpoint);
            // The fault really fired: the whole budget crossed after it, then the connection was gone.
            await Eventually.TrueAsync(() => network.Proxy.GetStatistics().ConnectionsOpen == 0, "the connection closing");
            Assert.True(network.Proxy.GetStatistics().BytesServerToClient >= bytesBeforeFault + third);
        }

        await SshfsLeftovers.AssertNoneAsync(network.Mount);
    }

    [Theory]
    [MemberData(nameof(FaultyNetwork.Accesses), MemberType = typeof(FaultyNetwork))]
    public async Task ConnectionDroppedAfterOneSecond_WhileTheLoadIsStillRunning_FailsWithAnErrorNamingTheShard(ShardAccess access)
    {
        var dropAfter = TimeSpan.FromSeconds(1);
        var network = await FaultyNetwork.StartAsync();
        await using (network)
        {
            var expected = ReferenceTensors.Read(network.ServedDirectory);
            using var checkpoint = FaultyNetwork.Open(network, FaultyNetwork.Patience, access);
            var trigger = new FaultTrigger(FaultedShard, () =>
            {
                // At 1 MiB/s what is left (over 4 MiB) takes four seconds or more: the load is certainly running when the drop comes.
                network.Proxy.SetBandwidth(ProxyDirection.ServerToClient, 1 << 20);
                network.Proxy.DropConnectionsAfter(dropAfter);
            });

            var consumption = await Consumer.ReadAllInBackground(checkpoint, expected, trigger.BeforeTensor).WaitAsync(FaultyNetwork.Patience);
            output.WriteLine(consumption.Outcome);

            Assert.True(trigger.Fired);
            FaultyNetwork.AssertFailedCleanly(consumption, network, checkpoint);
            // The load was still running when the drop came: it failed then, not before (a margin for the clocks' granularity).
            var failedAfter = trigger.TimeUntil(consumption.EndedAt);
            Assert.True(failedAfter >= dropAfter * 0.9, $"The load failed {failedAfter} after the fault was armed, before the drop.");
            await Eventually.TrueAsync(() => network.Proxy.GetStatistics().ConnectionsOpen == 0, "the connection closing");
        }

        await SshfsLeftovers.AssertNoneAsync(network.Mount);
    }

    [Theory]
    [MemberData(nameof(FaultyNetwork.Accesses), MemberType = typeof(FaultyNetwork))]
    public async Task ConnectionDroppedBetweenShards_TheMountGoesAway_AndTheErrorSaysSoInsteadOfBlamingADeletion(ShardAccess access)
    {
        var network = await FaultyNetwork.StartAsync();
        await using (network)
        {
            var expected = ReferenceTensors.Read(network.ServedDirectory);
            using var checkpoint = FaultyNetwork.Open(network, FaultyNetwork.Patience, access);
            var trigger = new FaultTrigger(FaultedShard, () =>
            {
                network.Proxy.DropConnections();
                // sshfs without -o reconnect exits when its connection is lost, and unmounts: the shard's path then
                // leads to the empty mount point folder on the local disk, as if the file had been deleted.
                Assert.True(SpinWait.SpinUntil(() => !network.Mount.IsMounted(), Eventually.Patience), "sshfs did not unmount after its connection dropped.");
            });

            var consumption = await Consumer.ReadAllInBackground(checkpoint, expected, trigger.BeforeTensor).WaitAsync(FaultyNetwork.Patience);
            output.WriteLine(consumption.Outcome);

            var error = FaultyNetwork.AssertFailedCleanly(consumption, network, checkpoint);
            Assert.Contains($"is no longer mounted at {network.MountPoint}", error.Message, StringComparison.Ordinal);
        }

        await SshfsLeftovers.AssertNoneAsync(network.Mount);
    }
}
