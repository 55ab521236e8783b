namespace Checkpoints.Loading;

/// <summary>How a shard served from owned memory reads its file.</summary>
/// <param name="Pool">The threads that run the reads.</param>
/// <param name="BlockSize">Bytes per read; a segment is read as several in parallel.</param>
/// <param name="Timeout">How long reads may go without one completing before the load fails.</param>
/// <param name="CancellationToken">Stops waiting (the checkpoint is being disposed).</param>
internal sealed record ReadSettings(ReadPool Pool, int BlockSize, TimeSpan Timeout, CancellationToken CancellationToken);
