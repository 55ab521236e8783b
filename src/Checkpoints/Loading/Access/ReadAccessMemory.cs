namespace Checkpoints.Loading.Access;

/// <summary>What read access (<see cref="OwnedShardData"/>) holds in memory besides the prefetch window, for the planner's budget.</summary>
internal static class ReadAccessMemory
{
    /// <summary>
    /// The segments kept by each active shard and the one being read, and the arrays let go of but not yet collected
    /// (see <see cref="ReleasedBuffers"/>). A tensor larger than a segment is one segment of its own size (up to 2 GiB),
    /// and adds that.
    /// </summary>
    public static long Bytes =>
        (((ActiveShards.DefaultCapacity * OwnedShardData.KeptSegments) + 1) * ShardSegments.ReadGroupBytes) + ReleasedBuffers.CollectEvery;
}
