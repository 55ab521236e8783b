using Checkpoints.Loading.Prefetch;


namespace Checkpoints.Tests.Loading.Prefetch;

/// <summary>
/// Stands in for the files under the prefetcher: counts how often each byte is read, checks the window at every
/// read, and can fail or stall on cue.
/// </summary>
internal sealed class FakeBlockReader : IBlockReader
{
    private readonly long[] _lengths;
    private readonly long[] _positions;
    private readonly int[][] _readCounts;
    private readonly Lock _lock = new();
    private int _reads;

    public FakeBlockReader(params long[] lengths)
    {
        _lengths = lengths;
        _positions = new long[lengths.Length];
        for (var i = 1; i < lengths.Length; i++)
        {
            _positions[i] = _positions[i - 1] + lengths[i - 1];
        }

        _readCounts = [.. lengths.Select(length => new int[length])];
    }

    /// <summary>When set, every read checks that it lies within the window of the consumer's current position.</summary>
    public ConsumerWindow? Window { get; set; }

    /// <summary>Reads of this file at or past this offset throw an IOException.</summary>
    public (int File, long Offset)? FailAt { get; set; }

    /// <summary>When set, every read waits for it before returning.</summary>
    public SemaphoreSlim? Gate { get; set; }

    public List<string> WindowViolations { get; } = [];

    public int Reads => Volatile.Read(ref _reads);

    public bool Disposed { get; private set; }

    public IReadOnlyList<(long Position, long Length)> Files => [.. _positions.Zip(_lengths)];

    public string PathOf(int file) => $"/fake/shard-{file}.safetensors";

    public int Read(int file, Span<byte> buffer, long offset)
    {
        Interlocked.Increment(ref _reads);
        var length = (int)Math.Min(buffer.Length, _lengths[file] - offset);
        if (Window is { } window)
        {
            var start = _positions[file] + offset;
            var position = window.Position;
            if (start >= window.End && start > position && start + length - position > window.Size)
            {
                lock (_lock)
                {
                    WindowViolations.Add($"read [{start}, {start + length}) with the consumer at {position} and a window of {window.Size}");
                }
            }
        }

        if (FailAt is { } fail && fail.File == file && offset + length > fail.Offset)
        {
            throw new IOException("Input/output error");
        }

        Gate?.Wait();
        lock (_lock)
        {
            for (var i = 0; i < length; i++)
            {
                _readCounts[file][offset + i]++;
            }
        }

        return length;
    }

    /// <summary>How many bytes of <paramref name="file"/> were read exactly <paramref name="times"/> times.</summary>
    public int CountRead(int file, int times)
    {
        lock (_lock)
        {
            return _readCounts[file].Count(count => count == times);
        }
    }

    public void Dispose() => Disposed = true;
}
