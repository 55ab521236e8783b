namespace Checkpoints.Loading.Reading;

/// <summary>How a shard's data reads its file through the read pool.</summary>
/// <param name="Pool">The threads that run the reads.</param>
/// <param name="BlockSize">Bytes per read; a segment is read as several in parallel.</param>
/// <param name="Timeout">How long reads may go without one completing before the load fails.</param>
/// <param name="CancellationToken">Stops waiting (the checkpoint is being disposed).</param>
internal sealed record ReadSettings(ReadPool Pool, int BlockSize, TimeSpan Timeout, CancellationToken CancellationToken)
{
    /// <summary>
    /// Runs <paramref name="waits"/> with a source that drops its jobs not started yet when one wait fails. A wait cut
    /// short because the checkpoint is being disposed is an <see cref="ObjectDisposedException"/> saying what
    /// <paramref name="path"/> was doing (<paramref name="during"/>), as any use of a disposed checkpoint is, not a bare
    /// "operation was canceled".
    /// </summary>
    /// <exception cref="ObjectDisposedException">The checkpoint was disposed while this waited.</exception>
    public T Wait<T>(string path, string during, Func<CancellationTokenSource, T> waits)
    {
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken);
        try
        {
            return waits(abandon);
        }
        catch (OperationCanceledException exception) when (CancellationToken.IsCancellationRequested)
        {
            throw new ObjectDisposedException($"{path}: the checkpoint was disposed while {during}.", exception);
        }
    }

    /// <summary>
    /// Runs <paramref name="open"/> (an open, a map: a round trip a stalled server holds) on the pool and waits for it
    /// under the timeout. What it opens after the wait gave up is disposed when it arrives: nobody else would own it.
    /// </summary>
    /// <exception cref="IOException">It failed or stalled.</exception>
    public T OpenOnPool<T>(string description, long offset, Func<T> open, CancellationTokenSource abandon)
        where T : IDisposable
    {
        var job = Pool.Run(description, offset, open, abandon.Token);
        try
        {
            ReadPool.WaitAll([job], Timeout, abandon, CancellationToken);
            return job.Task.Result;
        }
        catch
        {
            _ = job.Task.ContinueWith(static task => task.Result.Dispose(), CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }
    }
}
