using System.Diagnostics;

namespace Checkpoints.Reliability.Tests.TestSupport;

/// <summary>
/// Injects a fault once, just before the consumer asks for the first tensor of a given shard: the shards before it were
/// read intact (so there are correct bytes to check), the rest is still to come (so the fault cannot miss).
/// </summary>
internal sealed class FaultTrigger(int shard, Action fault)
{
    private long _firedAt;

    public bool Fired => Volatile.Read(ref _firedAt) != 0;

    /// <summary>Time from the fault to <paramref name="timestamp"/> (a <see cref="Stopwatch.GetTimestamp"/>).</summary>
    public TimeSpan TimeUntil(long timestamp) => Stopwatch.GetElapsedTime(Volatile.Read(ref _firedAt), timestamp);

    /// <summary>Pass to <see cref="Consumer.ReadAll"/>.</summary>
    public void BeforeTensor(Tensor tensor)
    {
        if (tensor.ShardIndex == shard && !Fired)
        {
            // Taken before the fault: a delayed fault then measures from no later than its start.
            Volatile.Write(ref _firedAt, Stopwatch.GetTimestamp());
            fault();
        }
    }
}
