namespace Checkpoints.Loading.Planning;

/// <summary>How the bytes of a shard reach the consumer.</summary>
public enum ShardAccess
{
    /// <summary>
    /// Decided per shard: a map on local and memory file systems; where the storage can fail (network and unknown file
    /// systems), <see cref="PopulatedMap"/> when what is prefetched fits the memory budget and the kernel can populate
    /// maps, <see cref="Read"/> otherwise.
    /// </summary>
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

    /// <summary>
    /// Views of a memory map, each range populated (<c>MADV_POPULATE_READ</c>, Linux 5.14) by the read threads before it
    /// is handed out: zero-copy, and an I/O error, a stall or a change of the file found then is an exception naming the
    /// file, as with <see cref="Read"/>. A page evicted after that (memory pressure) is read again by a page fault, with
    /// the risks of <see cref="Map"/>; on a kernel that cannot populate, <see cref="Read"/> is used instead.
    /// </summary>
    PopulatedMap,

    /// <summary>
    /// Reads past the page cache (<c>O_DIRECT</c>) with many large reads in flight, through a few reused aligned buffers,
    /// for a consumer that copies every tensor into memory of its own (<see cref="Tensor.CopyBytesTo"/>; see
    /// <see cref="LoadOptions.ConsumerCopies"/>): the device's full speed without filling, and later evicting, the page
    /// cache. Chosen for cold shards on local file systems; where the file system refuses direct I/O the same reads go
    /// through the page cache. Other access to such a shard (<see cref="Tensor.GetBytes"/>) gets a copy.
    /// </summary>
    Direct,
}
