using System.Diagnostics;
using Checkpoints.Loading.Logging;
using Checkpoints.Loading.Planning;
using Checkpoints.Loading.Telemetry;
using Microsoft.Extensions.Logging;

namespace Checkpoints.Loading.Prefetch;

/// <summary>
/// Warms the page cache in the background: a pool of workers reads the files in blocks, in the order the
/// consumer will read them, and throws the data away. Big files are split across workers. A window keeps the
/// workers at most a budget ahead of the consumer; blocks the consumer has already passed are skipped. Read
/// errors are logged once per file and never fail the load: the consumer's own reads decide. Each block is claimed
/// among the processes of the node before it is read (see <see cref="IPrefetchClaims"/>): a block another process is
/// warming is passed over, and come back to once that process is done with it: then it is read only if it is still not
/// cached (the other process crashed, or its pages were evicted). Processes that need different bytes of a file never
/// wait for each other.
/// </summary>
internal sealed partial class Prefetcher : IDisposable, IAsyncDisposable
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(5);

    private readonly IReadOnlyList<PrefetchBlock> _blocks;
    private readonly IBlockReader _reader;
    private readonly ConsumerWindow _window;
    private readonly bool _stopAtWindow;
    private readonly int _blockSize;
    private readonly IProgress<PrefetchProgress>? _progress;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop;
    private readonly Thread[] _workers;
    private readonly int[] _failedFiles;
    private readonly IPrefetchClaims _claims;
    private readonly long[] _fileBytes;
    private readonly long[] _heldSince;
    private readonly int[] _heldWarned;
    private readonly long[] _fileBytesHandled;
    private readonly int[] _fileStarted;
    private readonly System.Collections.Concurrent.ConcurrentQueue<int> _deferredBlocks = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Stopwatch _clock = new();
    private int _next;
    private int _running;
    private long _bytesRead;
    private long _bytesSkipped;
    private long _bytesFoundCached;
    private readonly Lock _logLock = new();
    private int _loggedDecile;
    private int _disposed;
    private int _windowReached;
    private int _progressFailed;
    private Activity? _activity;

    /// <param name="blocks">The blocks, in consumer order (see <see cref="PrefetchBlock.Split"/>).</param>
    /// <param name="fileCount">How many files the blocks refer to.</param>
    /// <param name="reader">Reads the files.</param>
    /// <param name="claims">Which blocks this process warms, among the processes of the node.</param>
    /// <param name="window">The consumer's position and how far ahead of it reading may go.</param>
    /// <param name="threads">Workers.</param>
    /// <param name="blockSize">The largest block, for the workers' buffers.</param>
    /// <param name="stopAtWindow">Warm-only mode (nobody consumes): stop at the window's edge instead of waiting there.</param>
    /// <param name="progress">Receives progress after each block.</param>
    /// <param name="logger">Start, every 10%, end, and read errors.</param>
    /// <param name="cancellationToken">Stops the workers.</param>
    public Prefetcher(IReadOnlyList<PrefetchBlock> blocks, int fileCount, IBlockReader reader, IPrefetchClaims claims, ConsumerWindow window, int threads,
        int blockSize, bool stopAtWindow, IProgress<PrefetchProgress>? progress, ILogger logger, CancellationToken cancellationToken)
    {
        _blocks = blocks;
        _reader = reader;
        _claims = claims;
        _fileBytes = new long[fileCount];
        _heldSince = new long[blocks.Count];
        _heldWarned = new int[fileCount];
        _fileBytesHandled = new long[fileCount];
        _fileStarted = new int[fileCount];
        foreach (var block in blocks)
        {
            _fileBytes[block.File] += block.Length;
        }

        _window = window;
        _stopAtWindow = stopAtWindow;
        _blockSize = blockSize;
        _progress = progress;
        _logger = logger;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _failedFiles = new int[fileCount];
        TotalBytes = blocks.Sum(static block => (long)block.Length);
        _workers = new Thread[Math.Max(1, Math.Min(threads, blocks.Count))];
        for (var i = 0; i < _workers.Length; i++)
        {
            // Dedicated threads: the reads block, and must not starve the thread pool the consumer may rely on.
            _workers[i] = new Thread(Work) { IsBackground = true, Name = $"ckpt-prefetch-{i}" };
        }
    }

    public long TotalBytes { get; }

    /// <summary>
    /// How long to wait for another process to finish warming a block before reading it anyway, counted from when the
    /// block was found held: every block's wait runs at once, so the whole prefetch waits about this long at most, however
    /// many blocks are held (see <see cref="NodePrefetchClaims.DefaultPatience"/>).
    /// </summary>
    internal TimeSpan ClaimPatience { get; init; } = NodePrefetchClaims.DefaultPatience;

    /// <summary>Each file's file system class, the tag its prefetched bytes are counted under; "unknown" when not given.</summary>
    internal IReadOnlyList<string>? FileSystemClasses { get; init; }

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public long BytesSkipped => Interlocked.Read(ref _bytesSkipped);

    /// <summary>The bytes of blocks another process held that were found in the page cache already, and not read (part of <see cref="BytesSkipped"/>).</summary>
    public long BytesFoundCached => Interlocked.Read(ref _bytesFoundCached);

    /// <summary>Completes when every worker has stopped, for whatever reason. Never faults.</summary>
    public Task Completion => _completion.Task;

    public void Start()
    {
        _clock.Start();
        // Started here and stopped by the last worker to finish: the activity spans the whole prefetch, on no one thread.
        var caller = Activity.Current;
        _activity = LoadTelemetry.Source.StartActivity("checkpoints.prefetch");
        Activity.Current = caller;
        _activity?.SetTag("prefetch.bytes", TotalBytes);
        _activity?.SetTag("prefetch.files", _failedFiles.Length);
        _activity?.SetTag("prefetch.threads", _workers.Length);
        _activity?.SetTag("prefetch.block_size", _blockSize);
        LoadLog.PrefetchStarted(_logger, TotalBytes, _failedFiles.Length, _workers.Length, _blockSize, _window.Size);
        _running = _workers.Length;
        if (_blocks.Count == 0)
        {
            _activity?.Stop();
            _completion.TrySetResult();
            return;
        }

        for (var started = 0; started < _workers.Length; started++)
        {
            try
            {
                _workers[started].Start();
            }
            catch
            {
                // Only the workers that run will count down: Completion still completes when they end.
                if (Interlocked.Add(ref _running, started - _workers.Length) == 0)
                {
                    Finish();
                }

                throw;
            }
        }
    }

    /// <summary>Stops the workers, waits briefly for them (a read stalled in the kernel is left to finish on its own), and closes the files.</summary>
    public void Dispose() => Stop(JoinTimeout);

    /// <summary>As <see cref="Dispose"/>, but waits for the workers (up to the same deadline) without blocking a thread.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            _stop.Cancel();
            await Completion.WaitAsync(JoinTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        // The deadline has been spent waiting: a worker still stuck in a read is not waited for again.
        Stop(TimeSpan.Zero);
    }

    private void Stop(TimeSpan joinTimeout)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        // One deadline for all workers: stalled reads (a hung NFS server) must not cost the timeout once per worker.
        var deadline = Stopwatch.GetTimestamp() + (long)(joinTimeout.TotalSeconds * Stopwatch.Frequency);
        foreach (var worker in _workers)
        {
            var left = Math.Max(0, deadline - Stopwatch.GetTimestamp());
            if (worker.IsAlive)
            {
                worker.Join(TimeSpan.FromSeconds(left / (double)Stopwatch.Frequency));
            }
        }

        _reader.Dispose();
        _claims.Dispose();
        if (_workers.All(static worker => !worker.IsAlive))
        {
            // A worker stuck in a read past the deadline still looks at the token when it returns.
            _stop.Dispose();
        }
    }

    private void Work()
    {
        try
        {
            // One buffer per worker, reused for every block: the data is only read to be cached, never looked at.
            var buffer = GC.AllocateUninitializedArray<byte>(_blockSize);
            while (NextBlock() is { } block)
            {
                try
                {
                    ReadBlock(block, buffer);
                }
                finally
                {
                    _claims.Release(block);
                }

                FileHandled(block.File, block.Length);
                Report(block.File);
            }

            // Every worker comes here after its last block, so a block deferred by any of them is come back to.
            while (!_stop.IsCancellationRequested && Volatile.Read(ref _windowReached) == 0 && _deferredBlocks.TryDequeue(out var index))
            {
                WarmDeferred(index, buffer);
            }
        }
        catch (Exception exception) when (!_stop.IsCancellationRequested)
        {
            // A background thread must never take the process down: the prefetch is only an optimisation, the consumer's
            // own reads still get every byte. Every worker stops, and the failure is logged.
            _stop.Cancel();
            LoadLog.PrefetchAborted(_logger, exception);
        }
        catch (Exception)
        {
            // Stopping anyway: whatever a worker hit while being stopped does not matter.
        }
        finally
        {
            if (Interlocked.Decrement(ref _running) == 0)
            {
                Finish();
            }
        }
    }

    private PrefetchBlock? NextBlock()
    {
        while (!_stop.IsCancellationRequested)
        {
            var index = Interlocked.Increment(ref _next) - 1;
            if (index >= _blocks.Count)
            {
                return null;
            }

            var block = _blocks[index];
            if (SkipIfNotNeeded(block))
            {
                continue;
            }

            // The window first: a claim held while waiting for the consumer would keep other processes waiting for nothing.
            if (!WaitForWindow(block))
            {
                return null;
            }

            if (!ClaimOrPassOver(index, block))
            {
                continue; // Another process warms it: counted when found cached, or when come back to (WarmDeferred).
            }

            ReportStartOf(block.File);
            return block;
        }

        return null;
    }

    /// <summary>Counts <paramref name="block"/> as skipped when the consumer already read past it (its own reads brought it in) or its file failed.</summary>
    private bool SkipIfNotNeeded(PrefetchBlock block)
    {
        if (block.End > _window.Position && Volatile.Read(ref _failedFiles[block.File]) == 0)
        {
            return false;
        }

        Interlocked.Add(ref _bytesSkipped, block.Length);
        FileHandled(block.File, block.Length);
        return true;
    }

    /// <summary>
    /// Waits until the window allows <paramref name="block"/>; false when the prefetch stops instead: cancelled, or, in
    /// warm-only mode, the window's edge reached (that stops new claims only: blocks other workers hold are still read).
    /// </summary>
    private bool WaitForWindow(PrefetchBlock block)
    {
        if (!_stopAtWindow)
        {
            return _window.WaitFor(block, _stop.Token);
        }

        if (Volatile.Read(ref _windowReached) != 0 || !_window.Allows(block))
        {
            Volatile.Write(ref _windowReached, 1);
            return false;
        }

        return true;
    }

    private void ReadBlock(PrefetchBlock block, byte[] buffer)
    {
        var done = 0;
        try
        {
            while (done < block.Length && !_stop.IsCancellationRequested)
            {
                var read = _reader.Read(block.File, buffer.AsSpan(0, block.Length - done), block.Offset + done);
                if (read == 0)
                {
                    break; // The file is shorter than it was: the consumer's reads will report that.
                }

                done += read;
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            if (Interlocked.Exchange(ref _failedFiles[block.File], 1) == 0 && !_stop.IsCancellationRequested)
            {
                LoadLog.PrefetchReadFailed(_logger, _reader.PathOf(block.File), block.Offset + done, exception.Message);
                LoadTelemetry.Errors.Add(1, new KeyValuePair<string, object?>("error.type", LoadTelemetry.ErrorType(exception)), new KeyValuePair<string, object?>("operation", "prefetch"));
            }
        }
        catch (ObjectDisposedException) when (_stop.IsCancellationRequested)
        {
            // Disposed while a read was starting: stopping quietly is the point.
        }

        Interlocked.Add(ref _bytesRead, done);
        if (done > 0 && LoadTelemetry.PrefetchedBytes.Enabled)
        {
            LoadTelemetry.PrefetchedBytes.Add(done, new KeyValuePair<string, object?>("file_system.class", FileSystemClasses?[block.File] ?? "unknown"));
        }
    }

    private void Finish()
    {
        var seconds = _clock.Elapsed.TotalSeconds;
        if (_stop.IsCancellationRequested)
        {
            LoadLog.PrefetchStopped(_logger, BytesRead, "cancelled");
        }
        else if (Volatile.Read(ref _windowReached) != 0)
        {
            LoadLog.PrefetchStopped(_logger, BytesRead, "the rest does not fit the memory budget");
        }
        else
        {
            LoadLog.PrefetchFinished(_logger, BytesRead, BytesSkipped, seconds);
        }

        if (_activity is { } activity)
        {
            activity.SetTag("prefetch.bytes_read", BytesRead);
            activity.SetTag("prefetch.bytes_skipped", BytesSkipped);
            activity.SetTag("prefetch.outcome", _stop.IsCancellationRequested ? "cancelled" : Volatile.Read(ref _windowReached) != 0 ? "budget" : "done");
            activity.Stop();
        }

        _completion.TrySetResult();
    }
}
