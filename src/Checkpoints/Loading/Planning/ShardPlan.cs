using Checkpoints.Storage.FileSystems;


namespace Checkpoints.Loading.Planning;

/// <summary>How one shard will be read, and why.</summary>
/// <param name="Path">The shard file.</param>
/// <param name="Length">Its size in bytes.</param>
/// <param name="FileSystem">The file system that holds it.</param>
/// <param name="CachedBytes">Bytes already in the page cache; null when unknown (counted as not cached).</param>
/// <param name="Strategy">The strategy chosen for it: never <see cref="LoadStrategy.Auto"/>.</param>
/// <param name="PrefetchedHere">True when this process's prefetcher reads it; false when another local rank warms it, or no prefetch is planned.</param>
/// <param name="Reason">Why, in plain words.</param>
/// <param name="Access">How its bytes reach the consumer: a map, or reads into owned memory.</param>
public sealed record ShardPlan(
    string Path,
    long Length,
    FileSystemFacts FileSystem,
    long? CachedBytes,
    LoadStrategy Strategy,
    bool PrefetchedHere,
    string Reason,
    ShardAccess Access);
