using Checkpoints.Storage.Memory;


namespace Checkpoints.Storage.Facts;

/// <summary>Everything the planner needs to know about the machine for one checkpoint: per-file facts, in the order given, and the memory facts.</summary>
public sealed class StorageFacts
{
    internal StorageFacts(IReadOnlyList<StorageFileFacts> files, MemoryFacts memory)
    {
        Files = files;
        Memory = memory;
    }

    /// <summary>One entry per file, in the order the files were given.</summary>
    public IReadOnlyList<StorageFileFacts> Files { get; }

    /// <summary>How much memory this process may use.</summary>
    public MemoryFacts Memory { get; }

    /// <summary>Whether the kernel can populate a mapping and report a page it cannot read (Linux 5.14 or later); what populated maps need.</summary>
    public bool CanPopulateMaps { get; internal init; }
}
