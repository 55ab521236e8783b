namespace Checkpoints.Selection;

/// <summary>What a selection needs of one shard: the bytes selected, and the ranges the loader reads to get them.</summary>
internal sealed class ShardSelection
{
    public ShardSelection(long fileLength, long selectedBytes, IReadOnlyList<ByteRange> pieces, IReadOnlyList<ByteRange> reads, IReadOnlyList<ByteRange>? mappedPieces = null)
    {
        FileLength = fileLength;
        Pieces = pieces;
        MappedPieces = mappedPieces ?? pieces;
        SelectedBytes = selectedBytes;
        Reads = reads;
        ReadBytes = reads.Sum(static range => range.Length);
    }

    public long FileLength { get; }

    /// <summary>Bytes of the selected tensors and slices.</summary>
    public long SelectedBytes { get; }

    /// <summary>
    /// The selected bytes as ranges, sorted: each selected tensor, slice of rows, or span of a strided slice whose gaps are
    /// read through. Empty for a shard read whole because every tensor of it is selected whole.
    /// </summary>
    public IReadOnlyList<ByteRange> Pieces { get; }

    /// <summary>
    /// <see cref="Pieces"/> but the spans of slices gathered many rows at a time (<see cref="SliceGeometry.IsGathered"/>):
    /// what a guarded map populates, since it gathers those slices by reads rather than through the map.
    /// </summary>
    public IReadOnlyList<ByteRange> MappedPieces { get; }

    /// <summary>
    /// What is read, sorted and apart: the selected ranges with small gaps between them read through, or the whole file
    /// when that is most of it; empty when nothing of the shard is selected.
    /// </summary>
    public IReadOnlyList<ByteRange> Reads { get; }

    /// <summary>Bytes of <see cref="Reads"/>.</summary>
    public long ReadBytes { get; }

    /// <summary>Whether nothing of this shard is selected: it is not opened beyond its header.</summary>
    public bool IsEmpty => Reads.Count == 0;

    /// <summary>Whether the whole file is read.</summary>
    public bool IsWhole => Reads is [{ Start: 0 } only] && only.Length == FileLength;

    /// <summary>The whole file, for a shard whose every tensor is selected whole.</summary>
    public static ShardSelection Whole(long fileLength, long tensorBytes) => new(fileLength, tensorBytes, [], fileLength > 0 ? [new ByteRange(0, fileLength)] : []);
}
