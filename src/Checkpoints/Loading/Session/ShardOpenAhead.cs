using Checkpoints.Loading.Reading;

namespace Checkpoints.Loading.Session;

/// <summary>
/// Opens the data of the next shards while the consumer is still on an earlier one, several at once on the read pool.
/// Over a network every open is a round trip or more (open, identity, map: about 11 ms a shard at 2 ms RTT), and a
/// consumer that walks 500 small shards would otherwise pay them one after another. Only what holds no descriptor
/// once opened is opened ahead (maps close theirs at once), so the open-file limit is never nearer than one open per
/// read thread, and at most <c>depth</c> opens are queued or running at a time, in shard order.
/// </summary>
/// <remarks>
/// An open that failed is kept and given to the consumer when it reaches that shard (with its own error, naming the
/// file): never earlier, and never lost. A shard is opened ahead at most once; after the consumer has claimed it
/// (whatever the outcome) only the consumer opens it again. Whatever arrives after the consumer stopped waiting, or
/// after disposal, is disposed when it arrives: nobody else would own it.
/// </remarks>
/// <typeparam name="T">What an open produces (a shard's data).</typeparam>
internal sealed class ShardOpenAhead<T> : IDisposable
    where T : class, IDisposable
{
    /// <summary>Shards opened ahead at most: enough to keep every read thread busy with round trips, few enough not to flood a server.</summary>
    public const int MaxDepth = 16;

    private readonly ReadPool _pool;
    private readonly int _depth;
    private readonly Func<int, bool> _eligible;
    private readonly Func<int, (string Description, long Offset)> _describe;
    private readonly Func<int, T> _open;
    private readonly CancellationToken _cancellationToken;
    private readonly ReadPool.Pending<T>?[] _pending;
    private readonly bool[] _claimed;
    private readonly Lock _lock = new();
    private int _inFlight;
    private bool _disposed;

    /// <param name="shards">How many shards there are.</param>
    /// <param name="pool">The threads that run the opens.</param>
    /// <param name="depth">Opens queued or running at most, and how far past the consumer's shard they reach.</param>
    /// <param name="eligible">Whether a shard may be opened ahead (its data holds no descriptor once open).</param>
    /// <param name="describe">What an open of the shard is, for an error or a timeout, and the file offset it concerns.</param>
    /// <param name="open">Opens the shard's data; runs on a read thread, so it must not wait for the pool itself.</param>
    /// <param name="cancellationToken">Drops the opens not started yet (the checkpoint is being disposed).</param>
    public ShardOpenAhead(int shards, ReadPool pool, int depth, Func<int, bool> eligible, Func<int, (string Description, long Offset)> describe,
        Func<int, T> open, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(depth);
        _pool = pool;
        _depth = depth;
        _eligible = eligible;
        _describe = describe;
        _open = open;
        _cancellationToken = cancellationToken;
        _pending = new ReadPool.Pending<T>?[shards];
        _claimed = new bool[shards];
    }

    /// <summary>Opens queued or running now (tests watch the bound).</summary>
    internal int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>
    /// The consumer has reached <paramref name="shard"/>: queues the opens of the eligible shards after it, up to the
    /// depth past it, in order, as far as the bound on opens in flight allows.
    /// </summary>
    public void After(int shard)
    {
        lock (_lock)
        {
            for (var next = shard + 1; next < _pending.Length && next <= shard + _depth; next++)
            {
                if (_disposed || _cancellationToken.IsCancellationRequested || Volatile.Read(ref _inFlight) >= _depth)
                {
                    return;
                }

                if (!_claimed[next] && _pending[next] is null && _eligible(next))
                {
                    _pending[next] = Start(next);
                }
            }
        }
    }

    /// <summary>
    /// What was opened ahead for <paramref name="shard"/>, waited for under the read timeout of <paramref name="settings"/>;
    /// null when nothing was, or when that open failed: the caller then opens the shard itself, so the error it meets is
    /// the file's state now (a mount that has gone away since, not the error of its going; or no error, if the failure
    /// passed). A stalled open is not tried again: that would double the wait. From here on the shard is the consumer's.
    /// </summary>
    /// <param name="shard">The shard the consumer uses now.</param>
    /// <param name="settings">The timeout and the cancellation of the wait.</param>
    /// <param name="path">The shard's file, for the error of a wait cut short by disposal.</param>
    /// <exception cref="IOException">The open stalled.</exception>
    /// <exception cref="ObjectDisposedException">The checkpoint was disposed while this waited.</exception>
    public T? Take(int shard, ReadSettings settings, string path)
    {
        ReadPool.Pending<T>? job;
        lock (_lock)
        {
            _claimed[shard] = true;
            job = _pending[shard];
            _pending[shard] = null;
        }

        if (job is null)
        {
            return null;
        }

        try
        {
            return settings.Wait(path, "it was being opened", abandon =>
            {
                ReadPool.WaitAll([job], settings.Timeout, abandon, settings.CancellationToken);
                return job.Task.Result;
            });
        }
        catch (Exception exception) when (job.Task.IsFaulted && exception is not ObjectDisposedException)
        {
            return null;
        }
        catch
        {
            DisposeWhenDone(job);
            throw;
        }
    }

    /// <summary>Opens not started yet are dropped through the cancellation token; what the others open is disposed when it arrives.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            for (var shard = 0; shard < _pending.Length; shard++)
            {
                if (_pending[shard] is { } job)
                {
                    DisposeWhenDone(job);
                    _pending[shard] = null;
                }
            }
        }
    }

    /// <summary>Queues the open of <paramref name="shard"/>; called under the lock.</summary>
    private ReadPool.Pending<T> Start(int shard)
    {
        var (description, offset) = _describe(shard);
        _ = Interlocked.Increment(ref _inFlight);
        // The pool outlives this object (the session disposes this first), so Run does not refuse here.
        var job = _pool.Run(description, offset, () => _open(shard), _cancellationToken);

        _ = job.Task.ContinueWith(_ => Interlocked.Decrement(ref _inFlight), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return job;
    }

    private static void DisposeWhenDone(ReadPool.Pending<T> job) =>
        _ = job.Task.ContinueWith(static task => task.Result.Dispose(), CancellationToken.None,
            TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
