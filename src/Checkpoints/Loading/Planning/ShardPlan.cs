using Checkpoints.Selection;
using Checkpoints.Storage.FileSystems;


namespace Checkpoints.Loading.Planning;

/// <summary>How one shard will be read, and why.</summary>
public sealed class ShardPlan
{
    internal ShardPlan(string path, long length, FileSystemFacts fileSystem, long? cachedBytes, LoadStrategy strategy, bool prefetchedHere, string reason, ShardAccess access,
        ShardSelection? selection = null)
    {
        Path = path;
        Length = length;
        Selection = selection ?? ShardSelection.Whole(length, length);
        FileSystem = fileSystem;
        CachedBytes = cachedBytes;
        Strategy = strategy;
        PrefetchedHere = prefetchedHere;
        Reason = reason;
        Access = access;
    }

    /// <summary>The shard file.</summary>
    public string Path { get; }

    /// <summary>Its size in bytes.</summary>
    public long Length { get; }

    /// <summary>Bytes of the tensors and slices selected in it (all of its tensors' bytes without a selection).</summary>
    public long SelectedBytes => Selection.SelectedBytes;

    /// <summary>Bytes the load reads of it: the selected ranges with small gaps read through, or the whole file; 0 when nothing is selected.</summary>
    public long ReadBytes => Selection.ReadBytes;

    /// <summary>How many separate ranges are read of it (1 for the whole file).</summary>
    public int ReadRanges => Selection.Reads.Count;

    /// <summary>Whether nothing of it is selected: it is not opened beyond its header, and never read.</summary>
    public bool IsSkipped => Selection.IsEmpty;

    internal ShardSelection Selection { get; }

    /// <summary>The file system that holds it.</summary>
    public FileSystemFacts FileSystem { get; }

    /// <summary>Bytes of what it reads (<see cref="ReadBytes"/>) already in the page cache; null when unknown (counted as not cached).</summary>
    public long? CachedBytes { get; }

    /// <summary>The strategy chosen for it: never <see cref="LoadStrategy.Auto"/>.</summary>
    public LoadStrategy Strategy { get; }

    /// <summary>True when this process's prefetcher reads it; false when another local rank warms it, or no prefetch is planned.</summary>
    public bool PrefetchedHere { get; }

    /// <summary>Why, in plain words.</summary>
    public string Reason { get; }

    /// <summary>How its bytes reach the consumer: a map, or reads into owned memory.</summary>
    public ShardAccess Access { get; }

    /// <summary>This plan with another access and reason: the planner's last step refines how bytes arrive.</summary>
    internal ShardPlan WithAccess(ShardAccess access, string reason) =>
        new(Path, Length, FileSystem, CachedBytes, Strategy, PrefetchedHere, reason, access, Selection);

    /// <summary>This plan for a shard another local rank prefetches.</summary>
    internal ShardPlan WarmedElsewhere(string reason) =>
        new(Path, Length, FileSystem, CachedBytes, Strategy, prefetchedHere: false, reason, Access, Selection);
}
