namespace Checkpoints.Loading.Access;

/// <summary>
/// The shards read most recently, at most <see cref="Capacity"/>: a shard that falls out is parked (its handle and
/// buffers let go), so a reader that moves through thousands of shards, forward or back, holds the resources of a few.
/// A few rather than one, so readers on several threads that interleave a few shards do not reload each other's data.
/// </summary>
internal sealed class ActiveShards(int capacity)
{
    /// <summary>Shards that keep their handle and buffers between reads.</summary>
    public const int DefaultCapacity = 2;

    private readonly LinkedList<int> _recent = new();
    private readonly Lock _lock = new();

    public int Capacity { get; } = capacity;

    /// <summary>Marks <paramref name="shard"/> as used now; returns the shard that fell out (to be parked), or -1.</summary>
    public int Use(int shard)
    {
        lock (_lock)
        {
            if (_recent.First?.Value == shard)
            {
                return -1;
            }

            _ = _recent.Remove(shard);
            _recent.AddFirst(shard);
            if (_recent.Count <= Capacity)
            {
                return -1;
            }

            var evicted = _recent.Last!.Value;
            _recent.RemoveLast();
            return evicted;
        }
    }
}
