using System.Runtime.ExceptionServices;

namespace Checkpoints.Storage;

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
        var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
        Parallel.For(0, paths.Count, options, i =>
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
        });
        Array.Find(errors, static error => error is not null)?.Throw();
        return results;
    }
}
