namespace Checkpoints.Loading.Prefetch;

/// <summary>
/// Which process on the node warms each file of a prefetch, so that processes loading the same checkpoint at once read
/// each file from the storage once, not once each. Tests substitute claims they control.
/// </summary>
internal interface IPrefetchClaims : IDisposable
{
    /// <summary>True when this process now warms <paramref name="file"/>; false when another process is warming it.</summary>
    bool TryClaim(int file);

    /// <summary>Gives up the claim on <paramref name="file"/> (this process is done with it).</summary>
    void Release(int file);

    /// <summary>
    /// Waits until no other process warms <paramref name="file"/> (done, or crashed), then claims it; false when
    /// <paramref name="patience"/> ran out first (that process's reader may be idle, holding it) or when cancelled.
    /// </summary>
    bool WaitAndClaim(int file, TimeSpan patience, CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="file"/> is (almost) all in the page cache already, so it need not be read again.</summary>
    bool IsWarm(int file);

    /// <summary>
    /// Who holds <paramref name="file"/>, for a message: "/tmp/ckpt-1000/prefetch-locks/fe00000000-1234.lock is held by pid 1234 (python3)",
    /// as much of that as is known.
    /// </summary>
    string DescribeHolder(int file);
}
