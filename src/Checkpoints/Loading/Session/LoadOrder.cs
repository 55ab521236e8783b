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

    public LoadOrder(IReadOnlyList<ShardSelection> shards)
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
    }

    /// <summary>Bytes read over all shards.</summary>
    public long Total { get; }

    /// <summary>The reads of <paramref name="shard"/>.</summary>
    public IReadOnlyList<ByteRange> ReadsOf(int shard) => _reads[shard];

    /// <summary>Where <paramref name="shard"/>'s read <paramref name="read"/> starts in the load's order.</summary>
    public long PositionOf(int shard, int read) => _positions[shard][read];

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
