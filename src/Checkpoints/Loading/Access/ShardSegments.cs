using Checkpoints.Format;


namespace Checkpoints.Loading.Access;

/// <summary>
/// A shard's data section cut into ranges that each fit one array: small tensors grouped up to a size, a tensor
/// larger than an array may be cut into page-aligned chunks from its start. Ranges begin at tensor boundaries (or
/// chunk boundaries within one tensor), so data keeps the alignment the file gives it.
/// </summary>
internal sealed class ShardSegments
{
    /// <summary>Eager loading groups small tensors into arrays of about this size.</summary>
    public const long EagerGroupBytes = 256L << 20;

    /// <summary>Read access loads this much at a time: a few of them are what it holds.</summary>
    public const long ReadGroupBytes = 64L << 20;

    /// <summary>
    /// A tensor too large for one array is cut into arrays of this size (a multiple of the page size), from the tensor's
    /// start. Three pages short of the largest array: direct reads widen a segment to page boundaries and align it (see
    /// <see cref="SegmentArray.ForDirectReads"/>).
    /// </summary>
    public static readonly long ChunkBytes = (Array.MaxLength - 3 * SegmentArray.DirectAlignment) & ~(SegmentArray.DirectAlignment - 1L);

    private readonly (long Start, long End)[] _ranges;

    private ShardSegments((long Start, long End)[] ranges) => _ranges = ranges;

    public int Count => _ranges.Length;

    public long TotalBytes => _ranges.Sum(static range => range.End - range.Start);

    public Segment this[int index] => new(_ranges[index].Start, _ranges[index].End);

    /// <summary>Cuts <paramref name="header"/>'s data section into groups of about <paramref name="groupBytes"/>.</summary>
    public static ShardSegments Plan(ShardHeader header, long groupBytes, long chunkBytes) =>
        Plan([.. header.Tensors.Select(tensor => (header.DataStart + tensor.DataBegin, header.DataStart + tensor.DataEnd))], header.DataStart, groupBytes, chunkBytes, long.MaxValue);

    /// <summary>
    /// Cuts the selected <paramref name="pieces"/> of a shard (sorted: tensors, slices of rows, or a strided slice's span)
    /// into groups of about <paramref name="groupBytes"/>. A group never spans a gap wider than <paramref name="gapBytes"/>:
    /// what lies in such a gap is not selected, and is not read.
    /// </summary>
    public static ShardSegments Plan(IReadOnlyList<Selection.ByteRange> pieces, long groupBytes, long chunkBytes, long gapBytes) =>
        Plan([.. pieces.Select(static piece => (piece.Start, piece.End))], pieces.Count > 0 ? pieces[0].Start : 0, groupBytes, chunkBytes, gapBytes);

    private static ShardSegments Plan(IReadOnlyList<(long Start, long End)> pieces, long firstStart, long groupBytes, long chunkBytes, long gapBytes)
    {
        var ranges = new List<(long Start, long End)>();
        var groupStart = firstStart;
        var groupEnd = groupStart;
        foreach (var (start, end) in pieces)
        {
            if (groupEnd == groupStart)
            {
                groupStart = groupEnd = start; // nothing in the group yet: it starts here
            }
            else if (end - groupStart > groupBytes || start - groupEnd > gapBytes)
            {
                ranges.Add((groupStart, groupEnd));
                groupStart = start;
            }

            if (end - start > groupBytes)
            {
                for (var chunk = start; chunk < end; chunk += chunkBytes)
                {
                    ranges.Add((chunk, Math.Min(end, chunk + chunkBytes)));
                }

                groupStart = end;
            }

            groupEnd = end;
        }

        if (groupEnd > groupStart || ranges.Count == 0)
        {
            ranges.Add((groupStart, groupEnd));
        }

        return new ShardSegments([.. ranges]);
    }

    /// <summary>The segment that holds <paramref name="offset"/> (the first one for offsets before it).</summary>
    public int Find(long offset)
    {
        int low = 0, high = _ranges.Length - 1;
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (_ranges[middle].Start <= offset)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        return low;
    }

    /// <summary>One range of the file.</summary>
    public readonly record struct Segment(long Start, long End)
    {
        public long Length => End - Start;
    }
}
