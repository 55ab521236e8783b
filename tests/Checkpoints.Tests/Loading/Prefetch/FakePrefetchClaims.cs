using Checkpoints.Loading.Prefetch;


namespace Checkpoints.Tests.Loading.Prefetch;

/// <summary>Claims a test controls: files marked busy are "warmed by another process" until freed; warm files count as cached.</summary>
internal sealed class FakePrefetchClaims : IPrefetchClaims
{
    private readonly HashSet<int> _busy;
    private readonly HashSet<int> _warm = [];
    private readonly Lock _lock = new();

    public FakePrefetchClaims(params int[] busy) => _busy = [.. busy];

    /// <summary>Files this process holds now.</summary>
    public HashSet<int> Held { get; } = [];

    /// <summary>Every file released, in order.</summary>
    public List<int> Released { get; } = [];

    /// <summary>The other process finishes <paramref name="file"/>; <paramref name="cached"/> says whether it left it in the cache.</summary>
    public void Free(int file, bool cached)
    {
        lock (_lock)
        {
            _busy.Remove(file);
            if (cached)
            {
                _warm.Add(file);
            }
        }
    }

    public bool TryClaim(int file)
    {
        lock (_lock)
        {
            if (_busy.Contains(file))
            {
                return false;
            }

            Held.Add(file);
            return true;
        }
    }

    public void Release(int file)
    {
        lock (_lock)
        {
            Held.Remove(file);
            Released.Add(file);
        }
    }

    /// <summary>How many times a wait ran out of patience.</summary>
    public int GaveUp { get; private set; }

    /// <summary>The patience each wait was given, in order.</summary>
    public List<TimeSpan> Patiences { get; } = [];

    /// <summary>Marks <paramref name="file"/> as cached already (the other process may still hold it).</summary>
    public void MarkCached(int file)
    {
        lock (_lock)
        {
            _warm.Add(file);
        }
    }

    public bool WaitAndClaim(int file, TimeSpan patience, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            Patiences.Add(patience);
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!TryClaim(file))
        {
            if (clock.Elapsed > patience)
            {
                GaveUp++;
                return false;
            }

            if (cancellationToken.WaitHandle.WaitOne(10))
            {
                return false;
            }
        }

        return true;
    }

    public bool IsWarm(int file)
    {
        lock (_lock)
        {
            return _warm.Contains(file);
        }
    }

    public string DescribeHolder(int file) => $"lock {file} is held by pid 4242 (fake)";

    public void Dispose()
    {
    }
}
