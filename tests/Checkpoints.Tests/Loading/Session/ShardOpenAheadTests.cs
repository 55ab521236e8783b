using System.Collections.Concurrent;
using Checkpoints.Loading.Reading;
using Checkpoints.Loading.Session;

namespace Checkpoints.Tests.Loading.Session;

/// <summary>Opening the next shards' data ahead of the consumer, on the read pool, with fake opens the test controls.</summary>
public sealed class ShardOpenAheadTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly CancellationTokenSource _disposing = new();
    private readonly ManualResetEventSlim _release = new();
    private readonly ConcurrentQueue<int> _started = new();
    private readonly ConcurrentBag<Opened> _opened = [];
    private ReadPool _pool = new(4);

    public void Dispose()
    {
        // Lets blocked opens finish, so the pool's threads end.
        _release.Set();
        _pool.Dispose();
        _disposing.Dispose();
        _release.Dispose();
    }

    [Fact]
    public void After_OpensTheNextShards_AllAtOnce()
    {
        using var ahead = Create(shards: 10, depth: 4);

        ahead.After(0);

        // Every open waits for the release: four started together only if they run in parallel.
        Assert.True(SpinWait.SpinUntil(() => _started.Count == 4, Patience), $"{_started.Count} opens started together, not 4");
        Assert.Equal([1, 2, 3, 4], _started.Order());
        Assert.Equal(4, ahead.InFlight);
    }

    [Fact]
    public void After_QueuesTheOpensInShardOrder()
    {
        _pool.Dispose();
        _pool = new ReadPool(1);
        _release.Set();
        using var ahead = Create(shards: 10, depth: 3);

        ahead.After(4);

        Assert.True(SpinWait.SpinUntil(() => _started.Count == 3 && ahead.InFlight == 0, Patience));
        Assert.Equal([5, 6, 7], _started);
    }

    [Fact]
    public void After_OpensNothingBeforeTheConsumerReachesAShard_AndNoMoreThanTheDepthAtATime()
    {
        using var ahead = Create(shards: 10, depth: 2);
        Assert.Empty(_started);

        ahead.After(0);
        Assert.True(SpinWait.SpinUntil(() => _started.Count == 2, Patience));
        // The consumer jumps ahead while two opens are still running: nothing more is queued.
        ahead.After(5);
        Thread.Sleep(200);
        Assert.Equal([1, 2], _started.Order());

        _release.Set();
        Assert.True(SpinWait.SpinUntil(() => ahead.InFlight == 0, Patience));
        ahead.After(5);
        Assert.True(SpinWait.SpinUntil(() => _started.Count == 4, Patience));
        Assert.Equal([1, 2, 6, 7], _started.Order());
    }

    [Fact]
    public void Take_GivesWhatWasOpenedAhead_AndNullForAShardNotOpenedAhead()
    {
        _release.Set();
        using var ahead = Create(shards: 4, depth: 2, eligible: shard => shard != 2);

        ahead.After(0);

        Assert.Equal(1, ahead.Take(1, Settings(), "/m/1")?.Shard);
        Assert.Null(ahead.Take(2, Settings(), "/m/2"));
        Assert.Null(ahead.Take(3, Settings(), "/m/3"));
        Assert.DoesNotContain(2, _started);
    }

    [Fact]
    public void AFailedOpen_IsLeftToTheConsumer_WhoOpensTheShardItself_AndItIsNotOpenedAheadAgain()
    {
        _release.Set();
        using var ahead = Create(shards: 5, depth: 3, fail: shard => shard == 2);

        ahead.After(0);
        Assert.True(SpinWait.SpinUntil(() => _started.Count == 3 && ahead.InFlight == 0, Patience));

        Assert.Equal(1, ahead.Take(1, Settings(), "/m/1")?.Shard);
        // The consumer's own open follows and meets the file as it is then; the failure ahead is not reported for it.
        Assert.Null(ahead.Take(2, Settings(), "/m/2"));
        Assert.Null(ahead.Take(2, Settings(), "/m/2"));
        ahead.After(1);
        Assert.Equal(3, ahead.Take(3, Settings(), "/m/3")?.Shard);
        Assert.Equal(1, _started.Count(shard => shard == 2));
    }

    [Fact]
    public void Take_OfAStalledOpen_TimesOutNamingIt_AndDisposesWhatArrivesLater()
    {
        using var ahead = Create(shards: 3, depth: 1);
        ahead.After(0);

        var error = Assert.Throws<IOException>(() => ahead.Take(1, Settings(TimeSpan.FromMilliseconds(200)), "/m/1"));

        Assert.StartsWith("/m/1: opening it did not finish within 0.2 s", error.Message, StringComparison.Ordinal);
        _release.Set();
        Assert.True(SpinWait.SpinUntil(() => _opened.Count == 1 && _opened.All(static opened => opened.Disposed), Patience), "the late open was not disposed");
    }

    [Fact]
    public void Take_WhileTheCheckpointIsDisposed_ReturnsPromptly_NamingTheFile()
    {
        using var ahead = Create(shards: 3, depth: 1);
        ahead.After(0);
        _disposing.CancelAfter(TimeSpan.FromMilliseconds(200));

        var error = Assert.Throws<ObjectDisposedException>(() => ahead.Take(1, Settings(Timeout.InfiniteTimeSpan), "/m/1"));

        Assert.Contains("/m/1: the checkpoint was disposed while it was being opened", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dispose_WhileOpensRun_DropsTheQueuedOnes_AndDisposesWhatTheRunningOnesOpen()
    {
        // Four threads, eight opens: four run (blocked), four wait in the queue.
        var ahead = Create(shards: 20, depth: 8);
        ahead.After(0);
        Assert.True(SpinWait.SpinUntil(() => _started.Count == 4, Patience));

        // As the session does: cancel first (queued opens are skipped), then let go of what is pending.
        _disposing.Cancel();
        ahead.Dispose();
        ahead.After(1);
        _release.Set();

        Assert.True(SpinWait.SpinUntil(() => ahead.InFlight == 0 && _opened.Count == 4 && _opened.All(static opened => opened.Disposed), Patience),
            $"{_opened.Count(static opened => !opened.Disposed)} of {_opened.Count} opened shards' data not disposed");
        Assert.Equal([1, 2, 3, 4], _started.Order());
    }

    private ShardOpenAhead<Opened> Create(int shards, int depth, Func<int, bool>? eligible = null, Func<int, bool>? fail = null) =>
        new(shards, _pool, depth, eligible ?? (static _ => true), static shard => ($"/m/{shard}: opening it", 0), shard =>
        {
            _started.Enqueue(shard);
            _release.Wait(Patience);
            if (fail?.Invoke(shard) == true)
            {
                throw new IOException($"/m/{shard}: cannot open it: Input/output error");
            }

            var opened = new Opened(shard);
            _opened.Add(opened);
            return opened;
        }, _disposing.Token);

    private ReadSettings Settings(TimeSpan? timeout = null) => new(_pool, 1 << 20, timeout ?? Patience, _disposing.Token);

    private sealed class Opened(int shard) : IDisposable
    {
        public int Shard { get; } = shard;

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }
}
