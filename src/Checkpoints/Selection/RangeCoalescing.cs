namespace Checkpoints.Selection;

/// <summary>How selected ranges become reads: what gap is read through, and when the whole shard is read instead.</summary>
/// <param name="GapBytes">Ranges closer than this are read as one (the gap is read and dropped): cheaper than another request.</param>
/// <param name="WholeShardFraction">When the reads would cover at least this share of a shard, the whole shard is read.</param>
internal readonly record struct RangeCoalescing(long GapBytes, double WholeShardFraction)
{
    /// <summary>
    /// Merges sorted, disjoint <paramref name="ranges"/> closer than the gap; when they cover most of the file, reads it as
    /// one stream from the first selected byte to the last (not the header before, nor the unselected tail after: a
    /// consumer never reads those, and a prefetch window would wait for it there).
    /// </summary>
    public IReadOnlyList<ByteRange> Reads(IEnumerable<ByteRange> ranges, long fileLength)
    {
        var merged = new List<ByteRange>();
        foreach (var range in ranges)
        {
            if (merged.Count > 0 && range.Start - merged[^1].End <= GapBytes)
            {
                var last = merged[^1];
                merged[^1] = new ByteRange(last.Start, Math.Max(last.End, range.End) - last.Start);
            }
            else
            {
                merged.Add(range);
            }
        }

        var covered = merged.Sum(static range => range.Length);
        return merged.Count > 1 && covered >= fileLength * WholeShardFraction ? [new ByteRange(merged[0].Start, merged[^1].End - merged[0].Start)] : merged;
    }
}
