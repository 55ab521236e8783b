namespace Checkpoints;

/// <summary>How the bytes of a shard reach the consumer.</summary>
public enum ShardAccess
{
    /// <summary>Decided per shard: reads where the storage can fail (network and unknown file systems), a map elsewhere.</summary>
    Auto,

    /// <summary>
    /// Views of a memory map: zero-copy. A page that cannot be read (an I/O error, a dropped mount, a file truncated
    /// underneath) raises SIGBUS, which no runtime can turn into an exception: the process dies.
    /// </summary>
    Map,

    /// <summary>
    /// Positional reads into memory the loader owns (from the page cache the prefetch warmed): one copy, and every
    /// I/O error, stall or change of the file is an exception naming the file and the offset.
    /// </summary>
    Read,
}
