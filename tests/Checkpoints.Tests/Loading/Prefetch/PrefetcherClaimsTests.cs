using Checkpoints.Loading.Planning;
using Checkpoints.Loading.Prefetch;
using Checkpoints.Tests.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
namespace Checkpoints.Tests.Loading.Prefetch;

/// <summary>The prefetcher with other processes on the node warming some of the same bytes (see Prefetcher.Claims.cs).</summary>
public sealed class PrefetcherClaimsTests
{
    private static Prefetcher Create(FakeBlockReader reader, FakePrefetchClaims claims, int threads, TimeSpan patience, ILogger? logger = null,
        bool stopAtWindow = true, CancellationToken cancellationToken = default) =>
        new(PrefetchBlock.Split(reader.Files, 1_000), reader.Files.Count, reader, claims, new ConsumerWindow(long.MaxValue),
            threads, blockSize: 1_000, stopAtWindow, progress: null, logger ?? NullLogger.Instance, cancellationToken)
        {
            ClaimPatience = patience,
        };

    [Fact]
    public async Task Prefetch_PassesOverBlocksAnotherProcessWarms_AndDoesNotReadThemWhenThatLeftThemCached()
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
        // Each block was claimed, and released, on its own, once: file 1's once its holder let go, to find them cached.
        Assert.Equal(12, claims.Released.Distinct().Count());
        Assert.Equal(12, claims.Released.Count);
        // A warning, so that a wait is never silent, naming the bytes and who holds them: one for the file, not one per block.
        var warning = Assert.Single(logger.Messages(LogLevel.Warning));
        Assert.Matches(@"^Bytes \[(0|[1-3]000), [1-4]000\) of /fake/shard-1\.safetensors: another process on this node is warming them \(lock 1 is held by pid 4242 \(fake\)\); moving on", warning);
        // The file's other blocks: debug messages, which do not look up the holder's process (a look at every descriptor on the node).
        Assert.Equal(3, logger.Messages(LogLevel.Debug).Count(message => message.Contains("of /fake/shard-1.safetensors: another process on this node is warming them (lock 1 is held);", StringComparison.Ordinal)));
        Assert.Equal(4_000, prefetcher.BytesFoundCached);
    }

    [Fact]
    public async Task Prefetch_SkipsCachedBlocks_HeldByAnotherProcess_WithoutWaiting()
    {
        // The holder never lets go, and the patience is longer than the test waits: only skipping the blocks ends the prefetch.
        var reader = new FakeBlockReader(4_000, 4_000);
        var claims = new FakePrefetchClaims(busy: 1);
        claims.MarkCached(1);
        var logger = new ListLogger();
        using var prefetcher = Create(reader, claims, threads: 2, TimeSpan.FromHours(1), logger);

        prefetcher.Start();
        await prefetcher.Completion.WaitAsync(PrefetcherTests.Patience);

        Assert.Equal(0, reader.CountRead(1, times: 1));
        Assert.Empty(claims.Patiences);
        Assert.Equal(4_000, prefetcher.BytesRead);
        Assert.Equal(4_000, prefetcher.BytesFoundCached);
        Assert.Equal(8_000, prefetcher.BytesRead + prefetcher.BytesSkipped);
        // Good news, not a warning: processes that need the same bytes meet this as a matter of course.
        Assert.Empty(logger.Messages(LogLevel.Warning));
        var news = Assert.Single(logger.Messages(LogLevel.Information), static message => message.Contains("not read", StringComparison.Ordinal));
        Assert.Contains("of /fake/shard-1.safetensors: not read: another process on this node is warming them (lock 1 is held by pid 4242 (fake)), and they are already in the page cache", news, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Prefetch_ReadsTheRestOfAFileAtOnce_AndAHeldBlockWhenItsHolderLetsGo_OnlyIfNotCached(bool leftCached)
    {
        // Another process holds one block's bytes of the file, and never lets go until told: the others are not its business.
        var reader = new FakeBlockReader(4_000);
        var claims = new FakePrefetchClaims();
        claims.HoldElsewhere(0, 1_500, 1_600);
        using var prefetcher = Create(reader, claims, threads: 1, TimeSpan.FromHours(1));

        prefetcher.Start();
        PrefetcherTests.WaitUntil(() => reader.CountRead(0, times: 1) == 3_000);
        PrefetcherTests.WaitUntil(() => claims.Patiences.Count == 1);
        Assert.False(prefetcher.Completion.IsCompleted);
        Assert.Equal([0, 2_000, 3_000], claims.Released.Select(block => block.Offset));

        claims.Free(0, leftCached);
        await prefetcher.Completion.WaitAsync(PrefetcherTests.Patience);

        Assert.Equal(leftCached ? 3_000 : 4_000, reader.CountRead(0, times: 1));
        Assert.Equal(leftCached ? 1_000 : 0, prefetcher.BytesFoundCached);
        Assert.Equal(4_000, prefetcher.BytesRead + prefetcher.BytesSkipped);
        Assert.Equal(0, claims.GaveUp);
        Assert.Empty(claims.Held);
    }

    [Fact]
    public async Task Prefetch_DoesNotRead_BlocksCachedByTheirHolderThatStillHoldsThemPastThePatience()
    {
        // A holder that keeps its claims past its reads (a program other than ckpt): cached by then, though still held.
        var reader = new FakeBlockReader(2_000);
        var claims = new FakePrefetchClaims(busy: 0);
        var logger = new ListLogger();
        using var prefetcher = Create(reader, claims, threads: 1, TimeSpan.FromSeconds(2), logger);

        prefetcher.Start();
        PrefetcherTests.WaitUntil(() => claims.Patiences.Count == 1);
        claims.MarkCached(0);
        await prefetcher.Completion.WaitAsync(PrefetcherTests.Patience);

        // Both blocks were waited for, the second for what was left of its patience (about nothing).
        Assert.Equal(2, claims.GaveUp);
        Assert.Equal(0, reader.Reads);
        Assert.Equal(2_000, prefetcher.BytesFoundCached);
        Assert.DoesNotContain(logger.Messages(LogLevel.Warning), message => message.Contains("gave up waiting", StringComparison.Ordinal));
        Assert.Contains(logger.Messages(LogLevel.Information), message => message.Contains("Bytes [0, 1000) of /fake/shard-0.safetensors: not read:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Prefetch_WaitsForAllHeldBlocksAtOnce_SoThePatienceBoundsTheWholePrefetch()
    {
        // One reader, ten blocks held for good: waited for one after the other, the prefetch would take ten patiences.
        var reader = new FakeBlockReader(10_000);
        var claims = new FakePrefetchClaims(busy: 0);
        using var prefetcher = Create(reader, claims, threads: 1, TimeSpan.FromMilliseconds(500));

        prefetcher.Start();
        await prefetcher.Completion.WaitAsync(PrefetcherTests.Patience);

        // Each block's patience counts from when it was found held: by the time the first wait ends, the others' are spent.
        Assert.Equal(10, claims.Patiences.Count);
        // (What is left of theirs is the few milliseconds between finding the first and the last held: far below the 500.)
        Assert.All(claims.Patiences.Skip(1), patience => Assert.True(patience < TimeSpan.FromMilliseconds(100), $"a later block was given {patience.TotalMilliseconds} ms more"));
        Assert.Equal(10_000, prefetcher.BytesRead);
        Assert.Equal(10_000, reader.CountRead(0, times: 1));
    }

    [Fact]
    public async Task Prefetch_ReadsBlocksTheirWarmerLeftUncached_ForExampleAfterItCrashed()
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
        Assert.Equal(0, prefetcher.BytesFoundCached);
        Assert.Empty(claims.Held);
    }

    [Fact]
    public async Task Prefetch_HoldsEachBlockOnlyWhileReadingIt()
    {
        var reader = new FakeBlockReader(5_000);
        var claims = new FakePrefetchClaims();
        using var gate = new SemaphoreSlim(0);
        using var prefetcher = PrefetcherTests.Create(reader, new ConsumerWindow(long.MaxValue), blockSize: 1_000, threads: 1, claims: claims);

        reader.Gate = gate;
        prefetcher.Start();
        gate.Release(2);
        // Two blocks read, the third being read: only the third is held, the first two were let go as each was done.
        PrefetcherTests.WaitUntil(() => reader.Reads >= 3);
        Assert.Equal([0, 1_000], claims.Released.Select(block => block.Offset));
        Assert.Equal([2_000], claims.Held.Select(block => block.Offset));
        gate.Release(int.MaxValue / 2);
        await prefetcher.Completion.WaitAsync(PrefetcherTests.Patience);
        Assert.Empty(claims.Held);
        Assert.Equal(5, claims.Released.Count);
    }

    [Fact]
    public async Task Prefetch_StopsPromptly_WhileWaitingForAnotherProcessesBlock()
    {
        var reader = new FakeBlockReader(1_000);
        var claims = new FakePrefetchClaims(busy: 0);
        using var cancel = new CancellationTokenSource();
        using var prefetcher = Create(reader, claims, threads: 1, TimeSpan.FromHours(1), stopAtWindow: false, cancellationToken: cancel.Token);

        prefetcher.Start();
        PrefetcherTests.WaitUntil(() => claims.Patiences.Count == 1);
        await cancel.CancelAsync();

        // The hang guard: an hour of patience is not waited out.
        await prefetcher.Completion.WaitAsync(PrefetcherTests.Patience);
        Assert.Equal(0, reader.Reads);
        Assert.Equal(0, claims.GaveUp);
        Assert.Empty(claims.Held);
    }

    [Fact]
    public async Task Prefetch_ReadsBlocksAnywayWhenTheirWarmerHoldsThemPastThePatience()
    {
        // Another process holds the file and never lets go (its reader may be idle, with the prefetch waiting on it).
        var reader = new FakeBlockReader(2_000);
        var claims = new FakePrefetchClaims(busy: 0);
        var logger = new ListLogger();
        using var prefetcher = Create(reader, claims, threads: 1, TimeSpan.FromMilliseconds(100), logger, stopAtWindow: false);

        prefetcher.Start();
        await prefetcher.Completion.WaitAsync(PrefetcherTests.Patience);

        Assert.Equal(2, claims.GaveUp);
        Assert.Equal(2_000, reader.CountRead(0, times: 1));
        Assert.Empty(claims.Released);
        var gaveUp = Assert.Single(logger.Messages(LogLevel.Warning), message => message.Contains("gave up waiting", StringComparison.Ordinal));
        Assert.Equal("Bytes [0, 1000) of /fake/shard-0.safetensors: gave up waiting after 0.1 s (lock 0 is held by pid 4242 (fake)); reading them without the lock, so they may be read twice", gaveUp);
        Assert.Contains(logger.Messages(LogLevel.Debug), message => message.StartsWith("Bytes [1000, 2000) of /fake/shard-0.safetensors: gave up waiting", StringComparison.Ordinal));
    }
}
