using Checkpoints.Files;
using Checkpoints.Loading.Prefetch;
using Checkpoints.Storage.Cache;
using Checkpoints.Storage.Locks;
using Checkpoints.Tests.TestSupport;
using Microsoft.Extensions.Logging;

namespace Checkpoints.Tests.Loading.Prefetch;

/// <summary>
/// Two prefetchers over one real file, each with its own <see cref="NodePrefetchClaims"/> (two open file descriptions
/// of the lock file, so they exclude each other as two processes would): the same bytes are fetched once, and different
/// bytes never wait. Each prefetcher reads through a <see cref="FakeBlockReader"/>, so a test holds a block as long as
/// it likes; the page cache of the real file is what the claims measure.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PrefetcherNodeClaimsTests : IDisposable
{
    private const int Block = 1 << 20;
    private const int Size = 4 * Block;

    private readonly TempDirectory _locks = new();
    private readonly EvictableFile _file;
    private readonly List<IDisposable> _owned = [];

    public PrefetcherNodeClaimsTests()
    {
        Prerequisites.RequireLinux();
        _file = new EvictableFile("claims", Size, seed: 7);
        Assert.True(PageCache.Evict(_file.Path));
    }

    private string LockFile
    {
        get
        {
            using var locks = NodeLockDirectory.OpenConfigured(_locks.Path);
            return NodeRangeLock.PathOf(locks, FileIdentity.Of(_file.Path));
        }
    }

    public void Dispose()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            owned.Dispose();
        }

        _file.Dispose();
        _locks.Dispose();
    }

    [Fact]
    public async Task TwoPrefetchers_DifferentBlocksOfOneFile_NeverWaitForEachOther()
    {
        using var gate = new SemaphoreSlim(0);
        var first = new FakeBlockReader(Size) { Gate = gate };
        var second = new FakeBlockReader(Size);
        var logger = new ListLogger();
        var a = Create(Blocks(0, 2 * Block), first, new ListLogger(), TimeSpan.FromHours(1));
        var b = Create(Blocks(2 * Block, Size), second, logger, TimeSpan.FromHours(1));

        a.Start();
        // The first holds its first block, inside a read that does not end until the test says.
        PrefetcherTests.WaitUntil(() => first.Reads == 1);
        b.Start();

        // An hour of patience: the second ends before the hang guard only if it never waits for the first.
        await b.Completion.WaitAsync(PrefetcherTests.Patience);
        Assert.False(a.Completion.IsCompleted);
        Assert.Equal(2 * Block, second.CountRead(0, times: 1));
        Assert.Equal(2 * Block, b.BytesRead);
        Assert.Equal(0, b.BytesFoundCached);
        Assert.Empty(logger.Messages(LogLevel.Warning));

        gate.Release(int.MaxValue / 2);
        await a.Completion.WaitAsync(PrefetcherTests.Patience);
        Assert.Equal(2 * Block, a.BytesRead);
        await DisposeAllAsync(a, b);
        Assert.Empty(Directory.GetFileSystemEntries(_locks.Path));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TwoPrefetchers_TheSameBlock_IsFetchedOnce_TheSecondReadingItOnlyIfTheFirstDidNotLeaveItCached(bool leftCached)
    {
        using var gate = new SemaphoreSlim(0);
        var first = new FakeBlockReader(Size) { Gate = gate };
        var second = new FakeBlockReader(Size);
        var logger = new ListLogger();
        var a = Create(Blocks(0, Block), first, new ListLogger(), TimeSpan.FromHours(1));
        var b = Create(Blocks(0, 2 * Block), second, logger, TimeSpan.FromHours(1));

        a.Start();
        PrefetcherTests.WaitUntil(() => first.Reads == 1);
        b.Start();

        // The second passes over the block the first holds, reads the next, and waits for the first.
        PrefetcherTests.WaitUntil(() => second.CountRead(0, times: 1) == Block && logger.Messages(LogLevel.Warning).Any());
        var warning = Assert.Single(logger.Messages(LogLevel.Warning));
        Assert.StartsWith($"Bytes [0, {Block}) of /fake/shard-0.safetensors: another process on this node is warming them ({LockFile} is locked by pid {Environment.ProcessId} (",
            warning, StringComparison.Ordinal);
        Thread.Sleep(100);
        Assert.False(b.Completion.IsCompleted);
        Assert.Equal(1, second.Reads);

        if (leftCached)
        {
            ReadIntoCache(0, Block); // What the first would have done, had its reader been a real one.
        }

        gate.Release(int.MaxValue / 2);
        await b.Completion.WaitAsync(PrefetcherTests.Patience);

        Assert.Equal(leftCached ? Block : 2 * Block, b.BytesRead);
        Assert.Equal(leftCached ? Block : 0, b.BytesFoundCached);
        Assert.Equal(2 * Block, b.BytesRead + b.BytesSkipped);
        Assert.Equal(leftCached ? Block : 2 * Block, second.CountRead(0, times: 1));
        await DisposeAllAsync(a, b);
        Assert.Empty(Directory.GetFileSystemEntries(_locks.Path));
    }

    [Fact]
    public async Task APrefetcher_ReadsABlockAnyway_WhenItsHolderKeepsItPastThePatience()
    {
        using var gate = new SemaphoreSlim(0);
        var first = new FakeBlockReader(Size) { Gate = gate };
        var second = new FakeBlockReader(Size);
        var logger = new ListLogger();
        var a = Create(Blocks(0, Block), first, new ListLogger(), TimeSpan.FromHours(1));
        var b = Create(Blocks(0, Block), second, logger, TimeSpan.FromMilliseconds(200));

        a.Start();
        PrefetcherTests.WaitUntil(() => first.Reads == 1);
        b.Start();
        await b.Completion.WaitAsync(PrefetcherTests.Patience);

        Assert.False(a.Completion.IsCompleted);
        Assert.Equal(Block, second.CountRead(0, times: 1));
        Assert.Contains(logger.Messages(LogLevel.Warning), message => message.StartsWith(
            $"Bytes [0, {Block}) of /fake/shard-0.safetensors: gave up waiting after 0.2 s ({LockFile} is locked by pid {Environment.ProcessId} (", StringComparison.Ordinal));
        gate.Release(int.MaxValue / 2);
    }

    [Fact]
    public async Task APrefetcher_WaitingForAnothersBlock_StopsPromptlyWhenCancelled()
    {
        using var gate = new SemaphoreSlim(0);
        using var cancel = new CancellationTokenSource();
        var first = new FakeBlockReader(Size) { Gate = gate };
        var second = new FakeBlockReader(Size);
        var logger = new ListLogger();
        var a = Create(Blocks(0, Block), first, new ListLogger(), TimeSpan.FromHours(1));
        var b = Create(Blocks(0, Block), second, logger, TimeSpan.FromHours(1), cancel.Token);

        a.Start();
        PrefetcherTests.WaitUntil(() => first.Reads == 1);
        b.Start();
        PrefetcherTests.WaitUntil(() => logger.Messages(LogLevel.Warning).Any());
        await cancel.CancelAsync();

        // The hang guard: an hour of patience is not waited out.
        await b.Completion.WaitAsync(PrefetcherTests.Patience);
        Assert.Equal(0, second.Reads);
        gate.Release(int.MaxValue / 2);
        await a.Completion.WaitAsync(PrefetcherTests.Patience);
        await DisposeAllAsync(a, b);
        Assert.Empty(Directory.GetFileSystemEntries(_locks.Path));
    }

    [Fact]
    public void Claims_WhenTheLockFileCannotBeUsed_SucceedEveryTime_WithOneWarning()
    {
        // A symbolic link planted under the lock file's name: refused, and the prefetch runs as if alone on the node.
        Directory.CreateDirectory(_locks.Path);
        File.CreateSymbolicLink(LockFile, _file.Path);
        var logger = new ListLogger();
        using var claims = Claims(logger);
        var blocks = Blocks(0, Size);

        Assert.All(blocks, block => Assert.True(claims.TryClaim(block)));
        Assert.All(blocks, block => Assert.True(claims.TryClaim(block)));

        var warning = Assert.Single(logger.Messages(LogLevel.Warning));
        Assert.StartsWith($"Prefetch locks are unavailable ({LockFile}: cannot open the prefetch lock file for writing", warning, StringComparison.Ordinal);
    }

    private static List<PrefetchBlock> Blocks(long from, long to) =>
        [.. PrefetchBlock.Split([(0, Size)], Block).Where(block => block.Offset >= from && block.Offset < to)];

    private NodePrefetchClaims Claims(ILogger logger) =>
        new([_file.Path], [FileIdentity.Of(_file.Path)], () => NodeLockDirectory.OpenConfigured(_locks.Path), logger);

    private Prefetcher Create(List<PrefetchBlock> blocks, FakeBlockReader reader, ILogger logger, TimeSpan patience, CancellationToken cancellationToken = default)
    {
        var prefetcher = new Prefetcher(blocks, 1, reader, Claims(logger), new ConsumerWindow(long.MaxValue), threads: 1, Block,
            stopAtWindow: false, progress: null, logger, cancellationToken)
        {
            ClaimPatience = patience,
        };
        _owned.Add(prefetcher);
        return prefetcher;
    }

    private void ReadIntoCache(long offset, int length)
    {
        using var handle = File.OpenHandle(_file.Path);
        Assert.Equal(length, RandomAccess.Read(handle, new byte[length], offset));
    }

    private static async Task DisposeAllAsync(params Prefetcher[] prefetchers)
    {
        foreach (var prefetcher in prefetchers)
        {
            await prefetcher.DisposeAsync();
        }
    }
}
