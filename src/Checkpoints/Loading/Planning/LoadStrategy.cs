namespace Checkpoints.Loading.Planning;

/// <summary>How a checkpoint's shards are read. The names are the ones vLLM users know.</summary>
public enum LoadStrategy
{
    /// <summary>Decided per shard by the planner from the storage facts (the default).</summary>
    Auto,

    /// <summary>Map the shard and hand out views; page faults do the I/O.</summary>
    Lazy,

    /// <summary>Read the shard into process memory with large parallel reads, then hand out views of that memory.</summary>
    Eager,

    /// <summary>Warm the page cache in the background with parallel sequential block reads while tensors are read through the map.</summary>
    Prefetch,
}
