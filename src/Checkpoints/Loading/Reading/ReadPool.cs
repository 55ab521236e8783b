using System.Collections.Concurrent;
using System.Diagnostics;
using Checkpoints.Files;
using Checkpoints.Loading.Planning;
using Checkpoints.Units;
using Microsoft.Win32.SafeHandles;

namespace Checkpoints.Loading.Reading;

/// <summary>
/// Dedicated threads that run the loader's blocking reads, so the caller can wait for them with a deadline and a
/// cancellation token. A read stuck in the kernel (a stalled network mount) cannot be interrupted; with the pool, the
/// caller gets an error naming the file and offset and returns, while the stuck thread stays with its read until the
/// storage answers. Blocking reads on the shared thread pool would starve it instead.
/// </summary>
internal sealed class ReadPool : IDisposable
{
    private readonly BlockingCollection<Action> _queue = new();

    /// <summary>When a job of this pool last finished (a Stopwatch timestamp): whether the threads make progress at all.</summary>
    private long _lastFinished = Stopwatch.GetTimestamp();

    /// <exception cref="IOException">The threads cannot start because the process has no descriptor left.</exception>
    public ReadPool(int threads)
    {
        Threads = threads;
        try
        {
            for (var i = 0; i < threads; i++)
            {
                // Background threads: one stuck in a read never keeps the process from exiting.
                new Thread(Work) { IsBackground = true, Name = $"ckpt-read-{i}" }.Start();
            }
        }
        catch (OutOfMemoryException exception) when (OpenFileLimit.IsExhausted())
        {
            // On Linux the runtime opens a file and a pipe to start a thread, and reports their lack as out of memory: say which limit it is.
            Dispose();
            throw new IOException($"starting {threads} read threads failed: too many open files: {OpenFileLimit.ProcessLimit(ResourceLimit.OpenFiles())}", exception);
        }
    }

    public int Threads { get; }

    /// <summary>Queues a read that fills <paramref name="buffer"/> from <paramref name="offset"/> (short only at the end of the file).</summary>
    public Pending<int> Read(SafeFileHandle handle, string path, Memory<byte> buffer, long offset, CancellationToken cancellationToken) =>
        Run($"{path}: reading {Invariant.N(buffer.Length)} bytes at byte {Invariant.N(offset)}", offset,
            () => PositionalRead.ReadFully(handle, path, buffer.Span, offset, "the data"), cancellationToken);

    /// <summary>Queues <paramref name="job"/>; it is skipped if <paramref name="cancellationToken"/> fires before it starts.</summary>
    public Pending<T> Run<T>(string description, long offset, Func<T> job, CancellationToken cancellationToken)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var timing = new JobTiming(this);
        try
        {
            _queue.Add(() => Execute(job, completion, timing, cancellationToken), CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            throw new ObjectDisposedException(nameof(ReadPool));
        }

        return new Pending<T>(description, offset, completion.Task, timing);
    }

    /// <summary>
    /// Waits for every job of <paramref name="jobs"/>. Fails when one fails (with its own error), when one has run for
    /// <paramref name="timeout"/> without finishing, when none has started and the pool finished nothing for that long
    /// (its threads are all stuck on other reads), or when <paramref name="cancellationToken"/> fires; the jobs not
    /// started yet are then dropped through <paramref name="abandon"/>. Time spent queued behind other loads' reads
    /// that do progress does not count.
    /// </summary>
    /// <exception cref="IOException">A job failed or stalled.</exception>
    /// <exception cref="OperationCanceledException">The token fired.</exception>
    public static void WaitAll<T>(IReadOnlyList<Pending<T>> jobs, TimeSpan timeout, CancellationTokenSource abandon, CancellationToken cancellationToken)
    {
        try
        {
            // Each job reports its completion once: waiting is linear in the jobs (thousands of headers), not quadratic.
            var finished = new System.Collections.Concurrent.ConcurrentQueue<Pending<T>>();
            var signal = new SemaphoreSlim(0);
            foreach (var job in jobs)
            {
                _ = job.Task.ContinueWith(_ =>
                {
                    finished.Enqueue(job);
                    signal.Release();
                }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            for (var count = 0; count < jobs.Count; count++)
            {
                var waitStarted = Stopwatch.GetTimestamp();
                while (!signal.Wait(PollInterval(timeout), cancellationToken))
                {
                    ThrowIfStalled(jobs, timeout, waitStarted);
                }

                // Rethrows the job's own exception, which names the file and offset.
                _ = finished.TryDequeue(out var done);
                done!.Task.GetAwaiter().GetResult();
            }
        }
        catch
        {
            abandon.Cancel();
            throw;
        }
    }

    public void Dispose() => _queue.CompleteAdding();

    /// <summary>How often a wait looks at the jobs' clocks: a fraction of the timeout, so a stall is seen soon after it.</summary>
    private static TimeSpan PollInterval(TimeSpan timeout) => timeout == Timeout.InfiniteTimeSpan
        ? Timeout.InfiniteTimeSpan
        : TimeSpan.FromMilliseconds(Math.Clamp(timeout.TotalMilliseconds / 4, 10, 1_000));

    private static void ThrowIfStalled<T>(IReadOnlyList<Pending<T>> jobs, TimeSpan timeout, long waitStarted)
    {
        var waiting = jobs.Where(static job => !job.Task.IsCompleted).ToList();
        if (waiting.Count == 0)
        {
            return;
        }

        var running = waiting.Where(static job => job.Timing.StartedAt != 0).ToList();
        if (running.Find(job => Stopwatch.GetElapsedTime(job.Timing.StartedAt) > timeout) is { } stuck)
        {
            throw new IOException($"{stuck.Description} did not finish within {timeout.TotalSeconds:0.###} s: the storage stopped answering; " +
                "check the mount or the network, or allow more time with LoadOptions.ReadTimeout");
        }

        var pool = waiting[0].Timing.Pool;
        var sinceProgress = Stopwatch.GetElapsedTime(Math.Max(Volatile.Read(ref pool._lastFinished), waitStarted));
        if (running.Count == 0 && sinceProgress > timeout)
        {
            throw new IOException($"{waiting[0].Description} did not start within {timeout.TotalSeconds:0.###} s: every reader thread is waiting on " +
                "storage that stopped answering; check the mount or the network, or allow more time with LoadOptions.ReadTimeout");
        }
    }

    private static void Execute<T>(Func<T> job, TaskCompletionSource<T> completion, JobTiming timing, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            completion.TrySetCanceled(cancellationToken);
            return;
        }

        Volatile.Write(ref timing.StartedAt, Stopwatch.GetTimestamp());
        try
        {
            completion.TrySetResult(job());
        }
        catch (Exception exception)
        {
            // Handed to the waiting caller, which rethrows it there.
            completion.TrySetException(exception);
        }
        finally
        {
            Volatile.Write(ref timing.Pool._lastFinished, Stopwatch.GetTimestamp());
        }
    }

    private void Work()
    {
        foreach (var work in _queue.GetConsumingEnumerable())
        {
            work();
        }
    }

    /// <summary>A queued job, with what an error message needs and when it started.</summary>
    public sealed record Pending<T>(string Description, long Offset, Task<T> Task, JobTiming Timing);

    /// <summary>When a job started running (0 while queued), and its pool.</summary>
    public sealed class JobTiming(ReadPool pool)
    {
        public ReadPool Pool { get; } = pool;

        public long StartedAt;
    }
}
