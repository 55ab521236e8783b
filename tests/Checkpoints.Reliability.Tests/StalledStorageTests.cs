using Checkpoints.Loading.Planning;
using Checkpoints.NetEmu;
using Checkpoints.Reliability.Tests.TestSupport;
using Xunit.Abstractions;

namespace Checkpoints.Reliability.Tests;

/// <summary>
/// The server stops answering, or answers a byte at a time, with the connection still open: nothing fails in the kernel,
/// reads just never finish. <see cref="LoadOptions.ReadTimeout"/> must end the load with an error saying which file and
/// where, and the loader must not hang on anything else it asks the mount (opening the shard is a round trip too).
/// </summary>
public sealed class StalledStorageTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Far above the timeout: the bound checks that the timeout ends the load, not how fast.</summary>
    private static readonly TimeSpan FailsWithin = TimeSpan.FromSeconds(30);

    [Theory]
    [MemberData(nameof(FaultyNetwork.Accesses), MemberType = typeof(FaultyNetwork))]
    public Task ServerToClientStalled_FailsWithTheReadTimeout_NamingTheFileAndOffset(ShardAccess access) =>
        AssertTimesOut(access, network => network.Proxy.Stall(ProxyDirection.ServerToClient));

    [Theory]
    [MemberData(nameof(FaultyNetwork.Accesses), MemberType = typeof(FaultyNetwork))]
    public Task ThrottledToOneKibPerSecond_FailsWithTheReadTimeout_NamingTheFileAndOffset(ShardAccess access) =>
        // A block of 256 KiB would take over four minutes: progress, but not enough to count as an answer.
        AssertTimesOut(access, network => network.Proxy.SetBandwidth(ProxyDirection.ServerToClient, 1024));

    private async Task AssertTimesOut(ShardAccess access, Action<ProxiedSshfs> fault)
    {
        var network = await FaultyNetwork.StartAsync();
        await using (network)
        {
            var expected = ReferenceTensors.Read(network.ServedDirectory);
            var checkpoint = FaultyNetwork.Open(network, ReadTimeout, access);
            try
            {
                var trigger = new FaultTrigger(FaultyNetwork.FaultedShard, () => fault(network));

                var consumption = await Consumer.ReadAllInBackground(checkpoint, expected, trigger.BeforeTensor).WaitAsync(FaultyNetwork.Patience);
                output.WriteLine(consumption.Outcome);

                Assert.True(trigger.Fired);
                var error = FaultyNetwork.AssertFailedCleanly(consumption, network, checkpoint);
                Assert.Contains("at byte", error.Message, StringComparison.Ordinal);
                Assert.Contains("did not finish within 2 s", error.Message, StringComparison.Ordinal);
                var failedAfter = trigger.TimeUntil(consumption.EndedAt);
                Assert.True(failedAfter < FailsWithin, $"Failed only {failedAfter} after the fault.");
            }
            finally
            {
                // The link flows again before anything is closed: requests stuck behind the fault finish. The unmount would
                // otherwise find the mount busy, and Dispose waits for a prefetch worker stuck opening a file behind a stall.
                network.RestoreLink();
                checkpoint.Dispose();
            }
        }

        await SshfsLeftovers.AssertNoneAsync(network.Mount);
    }
}
