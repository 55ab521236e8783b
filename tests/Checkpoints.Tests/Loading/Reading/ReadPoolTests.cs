using System.Diagnostics;
using Checkpoints.Loading.Reading;

namespace Checkpoints.Tests.Loading.Reading;

public sealed class ReadPoolTests : IDisposable
{
    private readonly ReadPool _pool = new(2);
    private readonly ManualResetEventSlim _release = new();

    public void Dispose()
    {
        // Lets the blocked jobs finish, so the pool's threads end.
        _release.Set();
        _pool.Dispose();
        _release.Dispose();
    }

    [Fact]
    public void WaitAll_NamesTheStalledRead_WhenNoneCompletesWithinTheTimeout()
    {
        using var abandon = new CancellationTokenSource();
        var stuck = _pool.Run("/mnt/x.safetensors: reading 16 bytes at byte 4,096", 4096, () => _release.Wait(TimeSpan.FromMinutes(5)), abandon.Token);
        var queued = _pool.Run("queued", 0, () => true, abandon.Token);

        var error = Assert.Throws<IOException>(() => ReadPool.WaitAll([stuck, queued], TimeSpan.FromMilliseconds(200), abandon, CancellationToken.None));

        Assert.StartsWith("/mnt/x.safetensors: reading 16 bytes at byte 4,096 did not finish within 0.2 s", error.Message, StringComparison.Ordinal);
        Assert.True(abandon.IsCancellationRequested);
    }

    [Fact]
    public void WaitAll_ReturnsPromptlyOnCancellation_WhileAReadIsStuck()
    {
        using var abandon = new CancellationTokenSource();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var stuck = _pool.Run("stuck", 0, () => _release.Wait(TimeSpan.FromMinutes(5)), abandon.Token);
        var clock = Stopwatch.StartNew();

        Assert.ThrowsAny<OperationCanceledException>(() => ReadPool.WaitAll([stuck], Timeout.InfiniteTimeSpan, abandon, cancel.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"returned after {clock.Elapsed}");
    }

    [Fact]
    public void WaitAll_RethrowsTheFailingJobsOwnError()
    {
        using var abandon = new CancellationTokenSource();
        var failing = _pool.Run<int>("failing", 0, () => throw new IOException("/x: reading the data at byte 7 failed: EIO"), abandon.Token);

        var error = Assert.Throws<IOException>(() => ReadPool.WaitAll([failing], TimeSpan.FromSeconds(30), abandon, CancellationToken.None));

        Assert.Equal("/x: reading the data at byte 7 failed: EIO", error.Message);
    }

    [Fact]
    public void Run_AfterDispose_Refuses()
    {
        _pool.Dispose();

        Assert.Throws<ObjectDisposedException>(() => _pool.Run("late", 0, () => 1, CancellationToken.None));
    }

    [Fact]
    public async Task WaitAll_DoesNotCountTimeQueuedBehindOtherReadsThatProgress()
    {
        using var pool = new ReadPool(1);
        using var abandon = new CancellationTokenSource();
        // Another load's reads keep the only thread busy for about 1.5 s, finishing one every 300 ms.
        var others = Enumerable.Range(0, 5).Select(i => pool.Run($"other {i}", 0, () =>
        {
            Thread.Sleep(300);
            return i;
        }, CancellationToken.None)).ToList();
        var mine = pool.Run("mine", 0, () => 42, abandon.Token);

        ReadPool.WaitAll([mine], TimeSpan.FromSeconds(1), abandon, CancellationToken.None);

        Assert.Equal(42, await mine.Task);
        Assert.All(others, other => Assert.True(other.Task.IsCompletedSuccessfully));
    }

    [Fact]
    public void WaitAll_NamesAReadThatCannotStart_WhenEveryThreadIsStuck()
    {
        using var pool = new ReadPool(1);
        using var abandon = new CancellationTokenSource();
        _ = pool.Run("stuck elsewhere", 0, () => _release.Wait(TimeSpan.FromMinutes(5)), CancellationToken.None);
        var mine = pool.Run("/mnt/y.safetensors: reading 8 bytes at byte 0", 0, () => 1, abandon.Token);

        var error = Assert.Throws<IOException>(() => ReadPool.WaitAll([mine], TimeSpan.FromMilliseconds(200), abandon, CancellationToken.None));

        Assert.StartsWith("/mnt/y.safetensors: reading 8 bytes at byte 0 did not start within 0.2 s: every reader thread is waiting", error.Message, StringComparison.Ordinal);
        _release.Set();
    }
}
