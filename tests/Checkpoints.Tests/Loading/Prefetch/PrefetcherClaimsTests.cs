using Checkpoints.Loading.Planning;
using Checkpoints.Loading.Prefetch;
using Checkpoints.Tests.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
namespace Checkpoints.Tests.Loading.Prefetch;

/// <summary>The prefetcher with other processes on the node warming the same files (see Prefetcher.Claims.cs).</summary>
public sealed class PrefetcherClaimsTests
{
    [Fact]
    public async Task Prefetch_PassesOverAFileAnotherProcessWarms_AndDoesNotReadItWhenThatLeftItCached()
    {
        var reader = new FakeBlockReader(4_000, 4_000, 4_000);
        var claims = new FakePrefetchClaims(busy: 1);
        var logger = new ListLogger();
        using var prefetcher = PrefetcherTests.Create(reader, new ConsumerWindow(long.MaxValue), blockSize: 1_000, threads: 2, claims: claims, logger: logger);

        prefetcher.Start();
        // Files 0 and 2 are read while file 1 is still someone else's.
        PrefetcherTests.WaitUntil(() => reader.CountRead(0, times: 1) == 4_000 && reader.CountRead(2, times: 1) == 4_000);
        Assert.False(prefetcher.Completion.IsCompleted);
        Assert.Equal(0, reader.CountRead(1, times: 1));

        claims.Free(1, cached: true);
        await prefetcher.Completion.WaitAsync(PrefetcherTests.Patience);

        Assert.Equal(0, reader.CountRead(1, times: 1));
        Assert.Equal(8_000, prefetcher.BytesRead);
        Assert.Equal(12_000, prefetcher.BytesRead + prefetcher.BytesSkipped);
        Assert.Empty(claims.Held);
        Assert.Equal([0, 1, 2], claims.Released.Order());
        // A warning, so that a wait is never silent, naming who holds the file.
        Assert.Contains(logger.Messages(LogLevel.Warning), message => message.Contains("another process on this node is warming it (lock 1 is held by pid 4242 (fake))", StringComparison.Ordinal));
        Assert.Equal(4_000, prefetcher.BytesFoundCached);
    }

    [Fact]
    public async Task Prefetch_SkipsCachedFile_HeldByAnotherProcess_WithoutWaiting()
    {
        // The holder never lets go, and the patience is longer than the test waits: only skipping the file ends the prefetch.
        var reader = new FakeBlockReader(4_000, 4_000);
        var claims = new FakePrefetchClaims(busy: 1);
        claims.MarkCached(1);
        var logger = new ListLogger();
        using var prefetcher = new Prefetcher(PrefetchBlock.Split(reader.Files, 1_000), reader.Files.Count, reader, claims, new ConsumerWindow(long.MaxValue),
            threads: 2, blockSize: 1_000, stopAtWindow: true, progress: null, logger, CancellationToken.None)
        {
            ClaimPatience = TimeSpan.FromHours(1),
        };

        prefetcher.Start();
        await prefetcher.Completion.WaitAsync(PrefetcherTests.Patience);

        Assert.Equal(0, reader.CountRead(1, times: 1));
        Assert.Empty(claims.Patiences);
        Assert.Equal(4_000, prefetcher.BytesRead);
        Assert.Equal(4_000, prefetcher.BytesFoundCached);
        Assert.Contains(logger.Messages(LogLevel.Warning), message => message.Contains("not read: another process on this node is warming it (lock 1 is held by pid 4242 (fake)), and it is already in the page cache", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Prefetch_DoesNotRead_AFileCachedByItsHolderThatStillHoldsItPastThePatience()
    {
        // A loader holds its lock until its consumer is past the file: cached by then, though still held.
        var reader = new FakeBlockReader(2_000);
        var claims = new FakePrefetchClaims(busy: 0);
        var logger = new ListLogger();
        using var prefetcher = new Prefetcher(PrefetchBlock.Split(reader.Files, 1_000), reader.Files.Count, reader, claims, new ConsumerWindow(long.MaxValue),
            threads: 1, blockSize: 1_000, stopAtWindow: true, progress: null, logger, CancellationToken.None)
        {
            ClaimPatience = TimeSpan.FromSeconds(2),
        };

        prefetcher.Start();
        PrefetcherTests.WaitUntil(() => claims.Patiences.Count == 1);
        claims.MarkCached(0);
        await prefetcher.Completion.WaitAsync(PrefetcherTests.Patience);

        Assert.Equal(1, claims.GaveUp);
        Assert.Equal(0, reader.Reads);
        Assert.Equal(2_000, prefetcher.BytesFoundCached);
        Assert.DoesNotContain(logger.Messages(LogLevel.Warning), message => message.Contains("gave up waiting", StringComparison.Ordinal));
        Assert.Contains(logger.Messages(LogLevel.Warning), message => message.Contains("and it is already in the page cache", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Prefetch_WaitsForAllHeldFilesAtOnce_SoThePatienceBoundsTheWholePrefetch()
    {
        // One reader, ten files held for good: waited for one after the other, the prefetch would take ten patiences.
        var reader = new FakeBlockReader(Enumerable.Repeat(1_000L, 10).ToArray());
        var claims = new FakePrefetchClaims(busy: [.. Enumerable.Range(0, 10)]);
        using var prefetcher = new Prefetcher(PrefetchBlock.Split(reader.Files, 1_000), reader.Files.Count, reader, claims, new ConsumerWindow(long.MaxValue),
            threads: 1, blockSize: 1_000, stopAtWindow: true, progress: null, NullLogger.Instance, CancellationToken.None)
        {
            ClaimPatience = TimeSpan.FromMilliseconds(500),
        };

        prefetcher.Start();
        await prefetcher.Completion.WaitAsync(PrefetcherTests.Patience);

        // Each file's patience counts from when it was found held: by the time the first wait ends, the others' are spent.
        Assert.Equal(10, claims.Patiences.Count);
        // (What is left of theirs is the few milliseconds between finding the first and the last held: far below the 500.)
        Assert.All(claims.Patiences.Skip(1), patience => Assert.True(patience < TimeSpan.FromMilliseconds(100), $"a later file was given {patience.TotalMilliseconds} ms more"));
        Assert.Equal(10_000, prefetcher.BytesRead);
    }

    [Fact]
    public async Task Prefetch_ReadsAFileItsWarmerLeftUncached_ForExampleAfterItCrashed()
    {
        var reader = new FakeBlockReader(3_000, 3_000);
        var claims = new FakePrefetchClaims(busy: 0);
        using var prefetcher = PrefetcherTests.Create(reader, new ConsumerWindow(long.MaxValue), blockSize: 1_000, threads: 2, claims: claims);

        prefetcher.Start();
        PrefetcherTests.WaitUntil(() => reader.CountRead(1, times: 1) == 3_000);
        claims.Free(0, cached: false);
        await prefetcher.Completion.WaitAsync(PrefetcherTests.Patience);

        Assert.Equal(3_000, reader.CountRead(0, times: 1));
        Assert.Equal(6_000, prefetcher.BytesRead);
        Assert.Empty(claims.Held);
    }

    [Fact]
    public async Task Prefetch_HoldsAFileOnlyUntilItsLastBlockIsRead()
    {
        var reader = new FakeBlockReader(2_000, 50_000);
        var claims = new FakePrefetchClaims();
        using var gate = new SemaphoreSlim(0);
        using var prefetcher = PrefetcherTests.Create(reader, new ConsumerWindow(long.MaxValue), blockSize: 1_000, threads: 1, claims: claims);

        reader.Gate = gate;
        prefetcher.Start();
        gate.Release(3);
        // The first file's two blocks are done and the second file's first block has started: the first is released.
        PrefetcherTests.WaitUntil(() => reader.Reads >= 3);
        Assert.Equal([0], claims.Released);
        Assert.Contains(1, claims.Held);
        gate.Release(int.MaxValue / 2);
        await prefetcher.Completion.WaitAsync(PrefetcherTests.Patience);
    }

    [Fact]
    public async Task Prefetch_StopsPromptly_WhileWaitingForAnotherProcessesFile()
    {
        var reader = new FakeBlockReader(1_000);
        using var cancel = new CancellationTokenSource();
        using var prefetcher = PrefetcherTests.Create(reader, new ConsumerWindow(long.MaxValue), blockSize: 1_000, claims: new FakePrefetchClaims(busy: 0), cancellationToken: cancel.Token);

        prefetcher.Start();
        await cancel.CancelAsync();

        await prefetcher.Completion.WaitAsync(PrefetcherTests.Patience);
        Assert.Equal(0, reader.Reads);
    }

    [Fact]
    public async Task Prefetch_ReadsAFileAnywayWhenItsWarmerHoldsItPastThePatience()
    {
        // Another process holds the file and never lets go (its reader may be idle, with the prefetch waiting on it).
        var reader = new FakeBlockReader(2_000);
        var claims = new FakePrefetchClaims(busy: 0);
        var logger = new ListLogger();
        using var prefetcher = new Prefetcher(PrefetchBlock.Split(reader.Files, 1_000), reader.Files.Count, reader, claims, new ConsumerWindow(long.MaxValue),
            threads: 1, blockSize: 1_000, stopAtWindow: false, progress: null, logger, CancellationToken.None)
        {
            ClaimPatience = TimeSpan.FromMilliseconds(100),
        };

        prefetcher.Start();
        await prefetcher.Completion.WaitAsync(PrefetcherTests.Patience);

        Assert.Equal(1, claims.GaveUp);
        Assert.Equal(2_000, reader.CountRead(0, times: 1));
        Assert.DoesNotContain(0, claims.Released);
        Assert.Contains(logger.Messages(LogLevel.Warning), message => message.Contains("gave up waiting after 0.1 s (lock 0 is held by pid 4242 (fake)); reading it without the lock", StringComparison.Ordinal));
    }
}
