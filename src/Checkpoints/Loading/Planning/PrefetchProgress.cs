namespace Checkpoints.Loading.Planning;

/// <summary>How far the background prefetch has come.</summary>
/// <param name="BytesDone">Bytes read (or skipped because the consumer was already past them).</param>
/// <param name="BytesTotal">Bytes this process set out to read.</param>
/// <param name="BytesPerSecond">The average rate since the prefetch started.</param>
public readonly record struct PrefetchProgress(long BytesDone, long BytesTotal, double BytesPerSecond);
