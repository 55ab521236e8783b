using Checkpoints.Loading.Prefetch;


namespace Checkpoints.Tests.Loading.Prefetch;

/// <summary>
/// Claims a test controls: byte ranges marked busy are "warmed by another process" until freed; ranges marked warm
/// count as cached. A block is busy, or warm, when any of its bytes is (warm: all of them).
/// </summary>
internal sealed class FakePrefetchClaims : IPrefetchClaims
{
    private readonly List<(int File, long Start, long End)> _busy = [];
    private readonly List<(int File, long Start, long End)> _warm = [];
    private readonly Lock _lock = new();

    /// <summary>Claims with every byte of the files <paramref name="busy"/> held by another process.</summary>
    public FakePrefetchClaims(params int[] busy)
    {
        foreach (var file in busy)
        {
            _busy.Add((file, 0, long.MaxValue));
        }
    }

    /// <summary>Blocks this process holds now.</summary>
    public HashSet<PrefetchBlock> Held { get; } = [];

    /// <summary>Every block released, in order.</summary>
    public List<PrefetchBlock> Released { get; } = [];

    /// <summary>Every block claimed here, in order.</summary>
    public List<PrefetchBlock> Claimed { get; } = [];

    /// <summary>How many times a wait ran out of patience.</summary>
    public int GaveUp { get; private set; }

    /// <summary>The patience each wait was given, in order.</summary>
    public List<TimeSpan> Patiences { get; } = [];

    /// <summary>Another process holds [<paramref name="start"/>, <paramref name="end"/>) of <paramref name="file"/>.</summary>
    public void HoldElsewhere(int file, long start, long end)
    {
        lock (_lock)
        {
            _busy.Add((file, start, end));
        }
    }

    /// <summary>The other process lets go of all it held of <paramref name="file"/>; <paramref name="cached"/> says whether it left the file cached.</summary>
    public void Free(int file, bool cached)
    {
        lock (_lock)
        {
            _busy.RemoveAll(range => range.File == file);
            if (cached)
            {
                _warm.Add((file, 0, long.MaxValue));
            }
        }
    }

    /// <summary>Marks all of <paramref name="file"/> as cached already (the other process may still hold it).</summary>
    public void MarkCached(int file) => MarkCached(file, 0, long.MaxValue);

    /// <summary>Marks [<paramref name="start"/>, <paramref name="end"/>) of <paramref name="file"/> as cached already.</summary>
    public void MarkCached(int file, long start, long end)
    {
        lock (_lock)
        {
            _warm.Add((file, start, end));
        }
    }

    public bool TryClaim(PrefetchBlock block)
    {
        lock (_lock)
        {
            if (_busy.Any(range => range.File == block.File && range.Start < block.Offset + block.Length && block.Offset < range.End))
            {
                return false;
            }

            // As the kernel's locks would merge them: a prefetcher must never hold one block twice.
            Assert.True(Held.Add(block), $"block {block} claimed twice");
            Claimed.Add(block);
            return true;
        }
    }

    public void Release(PrefetchBlock block)
    {
        lock (_lock)
        {
            Assert.True(Held.Remove(block), $"block {block} released but not held");
            Released.Add(block);
        }
    }

    public bool WaitAndClaim(PrefetchBlock block, TimeSpan patience, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            Patiences.Add(patience);
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!TryClaim(block))
        {
            if (clock.Elapsed >= patience)
            {
                lock (_lock)
                {
                    GaveUp++;
                }

                return false;
            }

            if (cancellationToken.WaitHandle.WaitOne(10))
            {
                return false;
            }
        }

        return true;
    }

    public bool IsWarm(PrefetchBlock block)
    {
        lock (_lock)
        {
            return _warm.Any(range => range.File == block.File && range.Start <= block.Offset && block.Offset + block.Length <= range.End);
        }
    }

    public string DescribeHolder(PrefetchBlock block, bool nameProcess) => nameProcess ? $"lock {block.File} is held by pid 4242 (fake)" : $"lock {block.File} is held";

    public void Dispose()
    {
    }
}
