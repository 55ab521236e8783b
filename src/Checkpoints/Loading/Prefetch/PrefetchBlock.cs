namespace Checkpoints.Loading.Prefetch;

/// <summary>One read of the prefetcher: <see cref="Length"/> bytes at <see cref="Offset"/> of file <see cref="File"/>.</summary>
/// <param name="File">Index of the file in the prefetcher's list.</param>
/// <param name="Offset">Offset in the file.</param>
/// <param name="Length">Bytes to read.</param>
/// <param name="Position">Where the block starts in the checkpoint's loading order (all shards laid end to end), for the window.</param>
internal readonly record struct PrefetchBlock(int File, long Offset, int Length, long Position)
{
    public long End => Position + Length;

    /// <summary>Cuts each file into blocks, in the order the consumer will read them.</summary>
    public static List<PrefetchBlock> Split(IReadOnlyList<(long Position, long Length)> files, int blockSize)
    {
        var blocks = new List<PrefetchBlock>();
        for (var file = 0; file < files.Count; file++)
        {
            var (position, length) = files[file];
            for (long offset = 0; offset < length; offset += blockSize)
            {
                blocks.Add(new PrefetchBlock(file, offset, (int)Math.Min(blockSize, length - offset), position + offset));
            }
        }

        return blocks;
    }

    /// <summary>Cuts each file's ranges into blocks, in the order the consumer will read them.</summary>
    /// <param name="files">Per file, its ranges (sorted) with where each starts in the loading order.</param>
    /// <param name="blockSize">The largest block.</param>
    public static List<PrefetchBlock> SplitRanges(IReadOnlyList<IReadOnlyList<(long Offset, long Length, long Position)>> files, int blockSize)
    {
        var blocks = new List<PrefetchBlock>();
        for (var file = 0; file < files.Count; file++)
        {
            foreach (var (start, length, position) in files[file])
            {
                for (long done = 0; done < length; done += blockSize)
                {
                    blocks.Add(new PrefetchBlock(file, start + done, (int)Math.Min(blockSize, length - done), position + done));
                }
            }
        }

        return blocks;
    }
}
