using System.Runtime.ExceptionServices;

namespace Checkpoints.Files;

/// <summary>
/// Runs a probe over many files, several at a time: on a network file system each probe costs round trips (a statfs,
/// an open), and 500 shards one after another took 10 s to plan over a 2 ms link. The results keep the files' order,
/// and the first file in that order that fails decides the error, whichever failed first in time.
/// </summary>
internal static class PerFileProbe
{
    /// <summary>Files probed at once: enough to hide a round trip, few enough not to flood a server at open.</summary>
    public const int Parallelism = 8;

    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public static T[] Run<T>(IReadOnlyList<string> paths, Func<string, T> probe, CancellationToken cancellationToken)
    {
        var results = new T[paths.Count];
        var errors = new ExceptionDispatchInfo?[paths.Count];
        var next = -1;
        void Work()
        {
            for (var i = Interlocked.Increment(ref next); i < paths.Count && !cancellationToken.IsCancellationRequested; i = Interlocked.Increment(ref next))
            {
                try
                {
                    results[i] = probe(paths[i]);
                }
                catch (Exception exception)
                {
                    // Kept and rethrown in file order, so the error reported does not depend on timing.
                    errors[i] = ExceptionDispatchInfo.Capture(exception);
                }
            }
        }

        // Dedicated threads, the caller's among them: probes block on the storage, and the thread pool of a busy
        // process (an inference server starting up) would run them one after another.
        var helpers = Enumerable.Range(0, Math.Max(Math.Min(Parallelism, paths.Count) - 1, 0))
            .Select(static _ => new Thread(static work => ((Action)work!)()) { IsBackground = true, Name = "ckpt-probe" }).ToArray();
        foreach (var helper in helpers)
        {
            helper.Start((Action)Work);
        }

        Work();
        foreach (var helper in helpers)
        {
            helper.Join();
        }

        cancellationToken.ThrowIfCancellationRequested();
        Array.Find(errors, static error => error is not null)?.Throw();
        return results;
    }
}
