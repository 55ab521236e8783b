using Checkpoints.Loading.Planning;
using Checkpoints.Loading.Prefetch;
using Checkpoints.Tests.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Checkpoints.Tests.Loading.Prefetch;

public sealed class PrefetcherTests
{
    // A hang guard only: every wait below ends as soon as its condition holds.
    internal static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    internal static Prefetcher Create(FakeBlockReader reader, ConsumerWindow window, int blockSize, int threads = 4, bool stopAtWindow = false,
        ILogger? logger = null, IProgress<PrefetchProgress>? progress = null, IPrefetchClaims? claims = null, CancellationToken cancellationToken = default) =>
        new(PrefetchBlock.Split(reader.Files, blockSize), reader.Files.Count, reader, claims ?? new FakePrefetchClaims(), window, threads, blockSize, stopAtWindow,
            progress, logger ?? NullLogger.Instance, cancellationToken);

    internal static void WaitUntil(Func<bool> condition)
    {
        Assert.True(SpinWait.SpinUntil(condition, Patience), "the condition did not hold in time");
    }

    [Fact]
    public async Task Prefetch_ReadsEveryByteExactlyOnce()
    {
        var reader = new FakeBlockReader(10_000, 1, 4_096, 33_333);
        using var prefetcher = Create(reader, new ConsumerWindow(long.MaxValue), blockSize: 1_000);

        prefetcher.Start();
        await prefetcher.Completion.WaitAsync(Patience);

        for (var file = 0; file < reader.Files.Count; file++)
        {
            Assert.Equal((int)reader.Files[file].Length, reader.CountRead(file, times: 1));
        }

        Assert.Equal(reader.Files.Sum(file => file.Length), prefetcher.BytesRead);
    }

    [Fact]
    public async Task Prefetch_SplitsABigFileAcrossWorkers()
    {
        var threadsSeen = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
        var reader = new FakeBlockReader(64 * 1024);
        var progress = new SynchronousProgress<PrefetchProgress>(_ => threadsSeen[Environment.CurrentManagedThreadId] = true);
        using var gate = new SemaphoreSlim(0);
        reader.Gate = gate;
        using var prefetcher = Create(reader, new ConsumerWindow(long.MaxValue), blockSize: 1024, threads: 4, progress: progress);

        prefetcher.Start();
        // All four workers are inside a read of the same file at once.
        WaitUntil(() => reader.Reads == 4);
        gate.Release(int.MaxValue / 2);
        await prefetcher.Completion.WaitAsync(Patience);

        Assert.Equal(4, threadsSeen.Count);
    }

    [Fact]
    public async Task Prefetch_StaysWithinTheWindow_AsTheConsumerAdvances()
    {
        const int Block = 100;
        var reader = new FakeBlockReader(1_000, 1_000);
        var window = new ConsumerWindow(3 * Block);
        reader.Window = window;
        using var prefetcher = Create(reader, window, Block, threads: 4);

        prefetcher.Start();
        for (var position = 0; position < 2_000; position += Block)
        {
            window.Advance(position, position);
            // Everything up to the window's edge gets read; nothing past it (checked at every read).
            var allowedEnd = Math.Min(2_000, position + (3 * Block));
            WaitUntil(() => prefetcher.BytesRead + prefetcher.BytesSkipped >= allowedEnd);
        }

        await prefetcher.Completion.WaitAsync(Patience);
        Assert.Empty(reader.WindowViolations);
        Assert.Equal(2_000, prefetcher.BytesRead + prefetcher.BytesSkipped);
    }

    [Fact]
    public async Task Prefetch_WaitsAtTheWindowEdge_UntilTheConsumerMoves()
    {
        var reader = new FakeBlockReader(1_000);
        var window = new ConsumerWindow(200);
        reader.Window = window;
        using var prefetcher = Create(reader, window, blockSize: 100, threads: 2);

        prefetcher.Start();
        WaitUntil(() => prefetcher.BytesRead == 200);
        Assert.False(prefetcher.Completion.IsCompleted);

        for (var position = 0; position < 1_000; position += 100)
        {
            window.Advance(position, position + 100);
        }

        await prefetcher.Completion.WaitAsync(Patience);
        Assert.Empty(reader.WindowViolations);
    }

    [Fact]
    public async Task Prefetch_SkipsBlocksTheConsumerHasPassed()
    {
        var reader = new FakeBlockReader(1_000);
        var window = new ConsumerWindow(long.MaxValue);
        window.Advance(600, 600);
        using var prefetcher = Create(reader, window, blockSize: 100);

        prefetcher.Start();
        await prefetcher.Completion.WaitAsync(Patience);

        Assert.Equal(600, prefetcher.BytesSkipped);
        Assert.Equal(400, prefetcher.BytesRead);
        Assert.Equal(400, reader.CountRead(0, times: 1));
    }

    [Fact]
    public async Task Prefetch_StopsPromptlyAndQuietly_WhenCancelled()
    {
        var reader = new FakeBlockReader(1_000_000);
        using var gate = new SemaphoreSlim(0);
        reader.Gate = gate;
        using var cancellation = new CancellationTokenSource();
        var logger = new ListLogger();
        var prefetcher = Create(reader, new ConsumerWindow(long.MaxValue), blockSize: 100, threads: 4, logger: logger, cancellationToken: cancellation.Token);

        prefetcher.Start();
        WaitUntil(() => reader.Reads == 4);
        await cancellation.CancelAsync();
        gate.Release(4);
        await prefetcher.Completion.WaitAsync(Patience);
        prefetcher.Dispose();

        Assert.Equal(4, reader.Reads);
        Assert.True(reader.Disposed);
        Assert.Empty(logger.Messages(LogLevel.Warning));
        Assert.Contains(logger.Messages(LogLevel.Information), message => message.Contains("cancelled", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Prefetch_Dispose_StopsWorkersWaitingAtTheWindow()
    {
        var reader = new FakeBlockReader(1_000);
        var prefetcher = Create(reader, new ConsumerWindow(100), blockSize: 100, threads: 3);

        prefetcher.Start();
        WaitUntil(() => reader.Reads == 1);
        prefetcher.Dispose();

        await prefetcher.Completion.WaitAsync(Patience);
        Assert.Equal(1, reader.Reads);
    }

    [Fact]
    public async Task DisposeAsync_ReturnsAtOnce_WhileAWorkerIsStuckInARead_AndClosesTheFilesWhenItReturns()
    {
        using var gate = new SemaphoreSlim(0);
        var reader = new FakeBlockReader(1_000) { Gate = gate };
        var prefetcher = Create(reader, new ConsumerWindow(long.MaxValue), blockSize: 100, threads: 1);
        prefetcher.Start();
        WaitUntil(() => reader.Reads == 1);

        var disposing = prefetcher.DisposeAsync();

        // The caller's thread is not held while the worker is stuck: the wait is a task.
        Assert.False(disposing.IsCompleted);
        gate.Release(10);
        await disposing.AsTask().WaitAsync(Patience);
        Assert.True(reader.Disposed);
        Assert.Equal(1, reader.Reads);
    }

    [Fact]
    public async Task Prefetch_SurvivesAReadError_LoggingItOnceWithFileAndOffset()
    {
        var reader = new FakeBlockReader(1_000, 1_000, 1_000) { FailAt = (1, 300) };
        var logger = new ListLogger();
        using var prefetcher = Create(reader, new ConsumerWindow(long.MaxValue), blockSize: 100, threads: 4, logger: logger);

        prefetcher.Start();
        await prefetcher.Completion.WaitAsync(Patience);

        var warning = Assert.Single(logger.Messages(LogLevel.Warning));
        // The first failing block a worker reached: 300 onwards, in whole blocks.
        var offset = long.Parse(System.Text.RegularExpressions.Regex.Match(warning, "shard-1.safetensors at byte ([0-9]+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(offset >= 300 && offset % 100 == 0, warning);
        Assert.Contains("Input/output error", warning, StringComparison.Ordinal);
        Assert.Equal(1_000, reader.CountRead(0, times: 1));
        Assert.Equal(1_000, reader.CountRead(2, times: 1));
        Assert.Equal(300, reader.CountRead(1, times: 1));
    }

    [Fact]
    public async Task Prefetch_WarmOnly_StopsAtTheBudget()
    {
        var reader = new FakeBlockReader(1_000);
        using var prefetcher = Create(reader, new ConsumerWindow(300), blockSize: 100, threads: 2, stopAtWindow: true);

        prefetcher.Start();
        await prefetcher.Completion.WaitAsync(Patience);

        Assert.Equal(300, prefetcher.BytesRead);
        Assert.Equal(300, reader.CountRead(0, times: 1));
    }

    [Fact]
    public async Task Prefetch_ReportsProgress_UpToTheTotal()
    {
        var reports = new System.Collections.Concurrent.ConcurrentBag<PrefetchProgress>();
        var reader = new FakeBlockReader(5_000);
        var logger = new ListLogger();
        using var prefetcher = Create(reader, new ConsumerWindow(long.MaxValue), blockSize: 100, logger: logger,
            progress: new SynchronousProgress<PrefetchProgress>(reports.Add));

        prefetcher.Start();
        await prefetcher.Completion.WaitAsync(Patience);

        // One after each of the 50 blocks, and one as the file starts.
        Assert.Equal(51, reports.Count);
        Assert.Equal(5_000, reports.Max(report => report.BytesDone));
        Assert.All(reports, report => Assert.Equal(5_000, report.BytesTotal));
        var info = logger.Messages(LogLevel.Information).ToArray();
        Assert.StartsWith("Prefetch started", info[0], StringComparison.Ordinal);
        // Deciles are logged at most once each and in order; a preempted worker may let one pass unlogged.
        var deciles = info.Where(message => message.Contains("%:", StringComparison.Ordinal))
            .Select(message => int.Parse(message["Prefetch ".Length..message.IndexOf('%', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.InRange(deciles.Length, 1, 9);
        Assert.Equal(deciles.Order(), deciles);
        Assert.Equal(deciles.Distinct(), deciles);
        Assert.StartsWith("Prefetch finished", info[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prefetch_ReportsEachFile_FromItsStartToAllOfIt()
    {
        var reports = new System.Collections.Concurrent.ConcurrentBag<PrefetchProgress>();
        var reader = new FakeBlockReader(3_000, 2_000);
        using var prefetcher = Create(reader, new ConsumerWindow(long.MaxValue), blockSize: 100, threads: 2,
            progress: new SynchronousProgress<PrefetchProgress>(reports.Add));

        prefetcher.Start();
        await prefetcher.Completion.WaitAsync(Patience);

        Assert.All(reports, report => Assert.NotNull(report.File));
        for (var file = 0; file < reader.Files.Count; file++)
        {
            var path = reader.PathOf(file);
            var length = reader.Files[file].Length;
            var ofFile = reports.Where(report => report.File == path).ToArray();
            Assert.All(ofFile, report => Assert.Equal(length, report.FileBytesTotal));
            Assert.Equal(length, ofFile.Max(report => report.FileBytesDone));
            // One after each block, and one as the file starts (with whatever another worker finished of it by then).
            Assert.Equal((int)(length / 100) + 1, ofFile.Length);
        }
    }

    [Fact]
    public async Task Prefetch_SurvivesAProgressCallbackThatThrows()
    {
        var reader = new FakeBlockReader(5_000);
        var logger = new ListLogger();
        using var prefetcher = Create(reader, new ConsumerWindow(long.MaxValue), blockSize: 100, logger: logger,
            progress: new SynchronousProgress<PrefetchProgress>(_ => throw new ObjectDisposedException("progress bar")));

        prefetcher.Start();
        await prefetcher.Completion.WaitAsync(Patience);

        Assert.Equal(5_000, prefetcher.BytesRead);
        Assert.Contains(logger.Messages(LogLevel.Warning), message => message.Contains("progress callback threw", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Prefetch_ReadsATensorLargerThanTheWindow_WhileTheConsumerIsInIt()
    {
        var reader = new FakeBlockReader(1_000);
        var window = new ConsumerWindow(100);
        reader.Window = window;
        using var prefetcher = Create(reader, window, blockSize: 100, threads: 2);

        // The consumer reads one 1,000-byte tensor: all of it may be read ahead, though the window is 100.
        window.Advance(0, 1_000);
        prefetcher.Start();
        await prefetcher.Completion.WaitAsync(Patience);

        Assert.Equal(1_000, reader.CountRead(0, times: 1));
        Assert.Empty(reader.WindowViolations);
    }

    [Fact]
    public async Task Window_IgnoresALookupFarAhead_SoEarlierBlocksAreNotSkipped()
    {
        var reader = new FakeBlockReader(10_000);
        var window = new ConsumerWindow(1_000);
        using var prefetcher = Create(reader, window, blockSize: 100, threads: 2);

        window.Advance(9_900, 10_000);
        Assert.Equal(0, window.Position);
        window.Advance(0, 100);
        for (long position = 0; position < 10_000; position += 500)
        {
            window.Advance(position, position + 500);
        }

        prefetcher.Start();
        await prefetcher.Completion.WaitAsync(Patience);
        Assert.Equal(9_500, window.Position);
    }

    /// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
