using Checkpoints.Selection;

namespace Checkpoints.Loading.Session;

/// <summary>
/// The load's bytes laid end to end in the order the consumer reads them: each shard's reads (the whole file, or the
/// ranges its selection needs), shard after shard. The prefetch window is measured in this order, so the bytes a
/// selection skips count for nothing: the window holds as many bytes that will be used as the budget allows.
/// </summary>
internal sealed class LoadOrder
{
    private readonly IReadOnlyList<ByteRange>[] _reads;
    private readonly long[][] _positions;

    /// <param name="shards">What is read of each shard.</param>
    /// <param name="coalesceGap">The widest gap the selection's pieces and reads were merged across.</param>
    public LoadOrder(IReadOnlyList<ShardSelection> shards, long coalesceGap)
    {
        _reads = [.. shards.Select(static shard => shard.Reads)];
        _positions = new long[shards.Count][];
        var position = 0L;
        for (var shard = 0; shard < shards.Count; shard++)
        {
            _positions[shard] = new long[_reads[shard].Count + 1];
            for (var read = 0; read < _reads[shard].Count; read++)
            {
                _positions[shard][read] = position;
                position += _reads[shard][read].Length;
            }

            _positions[shard][^1] = position;
        }

        Total = position;
        LargestSkip = shards.Select(shard => LargestSkipIn(shard, coalesceGap)).DefaultIfEmpty(0).Max();
    }

    /// <summary>The widest run of unselected bytes inside a read: a consumer reading the selection in order steps over it.</summary>
    public long LargestSkip { get; }

    /// <summary>Bytes read over all shards.</summary>
    public long Total { get; }

    /// <summary>The reads of <paramref name="shard"/>, each with where it starts in the load's order (what the prefetch cuts into blocks).</summary>
    public IReadOnlyList<(long Offset, long Length, long Position)> PlacedReadsOf(int shard) =>
        [.. _reads[shard].Select((read, i) => (read.Start, read.Length, _positions[shard][i]))];

    /// <summary>Where byte <paramref name="offset"/> of <paramref name="shard"/> is in the load's order (a byte between reads: where the next read starts).</summary>
    public long PositionOf(int shard, long offset)
    {
        var reads = _reads[shard];
        var read = LastStartingAtOrBefore(reads, offset);
        if (read < 0)
        {
            return _positions[shard][0];
        }

        return _positions[shard][read] + Math.Min(offset - reads[read].Start, reads[read].Length);
    }

    /// <summary>The file ranges of every shard between positions <paramref name="from"/> and <paramref name="to"/>.</summary>
    public IEnumerable<(int Shard, long Offset, long Length)> Between(long from, long to)
    {
        for (var shard = 0; shard < _reads.Length; shard++)
        {
            if (_positions[shard][^1] <= from || _positions[shard][0] >= to)
            {
                continue;
            }

            for (var read = 0; read < _reads[shard].Count; read++)
            {
                var start = Math.Max(from, _positions[shard][read]);
                var end = Math.Min(to, _positions[shard][read + 1]);
                if (end > start)
                {
                    yield return (shard, _reads[shard][read].Start + (start - _positions[shard][read]), end - start);
                }
            }
        }
    }

    /// <summary>
    /// The widest gap between pieces that one read spans; a strided slice read as one piece hides gaps inside it, each no
    /// wider than the gap pieces were merged across.
    /// </summary>
    private static long LargestSkipIn(ShardSelection shard, long coalesceGap)
    {
        if (shard.Pieces.Count == 0)
        {
            return 0;
        }

        var largest = shard.Pieces.Sum(static piece => piece.Length) > shard.SelectedBytes ? coalesceGap : 0;
        for (var i = 1; i < shard.Pieces.Count; i++)
        {
            // Pieces in separate reads are laid end to end: only a gap one read spans is stepped over.
            var read = LastStartingAtOrBefore(shard.Reads, shard.Pieces[i].Start);
            if (read >= 0 && shard.Reads[read].Start <= shard.Pieces[i - 1].Start)
            {
                largest = Math.Max(largest, shard.Pieces[i].Start - shard.Pieces[i - 1].End);
            }
        }

        return largest;
    }

    private static int LastStartingAtOrBefore(IReadOnlyList<ByteRange> reads, long offset)
    {
        int low = 0, high = reads.Count - 1, found = -1;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            if (reads[middle].Start <= offset)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return found;
    }
}
