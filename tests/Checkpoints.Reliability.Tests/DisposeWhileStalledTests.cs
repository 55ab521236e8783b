using System.Diagnostics;
using Checkpoints.Loading.Planning;
using Checkpoints.NetEmu;
using Checkpoints.Reliability.Tests.TestSupport;
using Xunit.Abstractions;

namespace Checkpoints.Reliability.Tests;

/// <summary>
/// An application gives up on a load whose storage stopped answering (a user pressed Ctrl+C, a supervisor timed it out)
/// and disposes the checkpoint from another thread. The consumer blocked in it must get control back at once, even
/// though the kernel read it was waiting for is still stuck.
/// </summary>
public sealed class DisposeWhileStalledTests(ITestOutputHelper output)
{
    /// <summary>Long enough that only the disposal, not the read timeout, can end the wait.</summary>
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromMinutes(2);

    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(10);

    [Theory]
    [MemberData(nameof(FaultyNetwork.Accesses), MemberType = typeof(FaultyNetwork))]
    public async Task DisposingFromAnotherThread_WhileTheConsumerWaitsOnAStalledRead_ReturnsControlToTheConsumerPromptly(ShardAccess access)
    {
        var network = await FaultyNetwork.StartAsync();
        await using (network)
        {
            var expected = ReferenceTensors.Read(network.ServedDirectory);
            var checkpoint = FaultyNetwork.Open(network, ReadTimeout, access);
            Task? disposing = null;
            try
            {
                var trigger = new FaultTrigger(FaultyNetwork.FaultedShard, () => network.Proxy.Stall(ProxyDirection.ServerToClient));
                var consuming = Consumer.ReadAllInBackground(checkpoint, expected, trigger.BeforeTensor);
                await Eventually.TrueAsync(() => trigger.Fired || consuming.IsCompleted, "the consumer reaching the faulted shard");
                // Stalled, the consumer cannot finish; given a second, it is surely waiting inside the loader.
                await Task.Delay(TimeSpan.FromSeconds(1));
                Assert.False(consuming.IsCompleted, "The consumer was not waiting when the checkpoint was disposed.");

                var disposedAt = Stopwatch.GetTimestamp();
                disposing = Task.Run(checkpoint.Dispose);
                var consumption = await consuming.WaitAsync(FaultyNetwork.Patience);
                output.WriteLine(consumption.Outcome);

                var returnedAfter = Stopwatch.GetElapsedTime(disposedAt, consumption.EndedAt);
                Assert.True(returnedAfter < Prompt, $"The consumer got control back {returnedAfter} after Dispose.");
                // As any use of a disposed checkpoint: not a bare "operation was canceled" without a file.
                var error = Assert.IsType<ObjectDisposedException>(consumption.Failure);
                var waitingOn = Assert.IsType<Tensor>(consumption.FailedTensor);
                Assert.Equal(FaultyNetwork.FaultedShard, waitingOn.ShardIndex);
                Assert.Contains(waitingOn.ShardPath, error.Message, StringComparison.Ordinal);
                Assert.Empty(consumption.Mismatches);
                Assert.Equal(checkpoint.Tensors.Count(tensor => tensor.ShardIndex < FaultyNetwork.FaultedShard), consumption.TensorsVerified);

                // Dispose itself returns while the link is still stalled: prefetch workers stuck in a read or an open are
                // given a few seconds, then left to finish when the storage answers.
                await disposing.WaitAsync(TimeSpan.FromSeconds(30));
            }
            finally
            {
                network.RestoreLink();
                await (disposing ?? Task.Run(checkpoint.Dispose)).WaitAsync(FaultyNetwork.Patience);
            }
        }

        await SshfsLeftovers.AssertNoneAsync(network.Mount);
    }
}
