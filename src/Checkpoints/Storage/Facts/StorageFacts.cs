using Checkpoints.Loading.Planning;
using Checkpoints.Storage.Memory;


namespace Checkpoints.Storage.Facts;

/// <summary>Everything the planner needs to know about the machine for one checkpoint: per-file facts, in the order given, and the memory facts.</summary>
/// <param name="Files">One entry per file, in the order the files were given.</param>
/// <param name="Memory">How much memory this process may use.</param>
public sealed record StorageFacts(IReadOnlyList<StorageFileFacts> Files, MemoryFacts Memory)
{
    /// <summary>Whether the kernel can populate a mapping and report a page it cannot read (Linux 5.14 or later); see <see cref="ShardAccess.PopulatedMap"/>.</summary>
    public bool CanPopulateMaps { get; init; }
}
