namespace Checkpoints.Loading.Prefetch;

/// <summary>
/// Which process on the node warms each block of a prefetch, so that processes that need the same bytes at once read
/// them from the storage once, not once each, while processes that need different bytes of the same file never wait
/// for each other: a claim is on the block's byte range of its file, and two claims conflict only when their ranges
/// overlap. Tests substitute claims they control.
/// </summary>
internal interface IPrefetchClaims : IDisposable
{
    /// <summary>True when this process now warms <paramref name="block"/>; false when another process holds some of its bytes.</summary>
    bool TryClaim(PrefetchBlock block);

    /// <summary>Gives up the claim on <paramref name="block"/> (this process is done with it).</summary>
    void Release(PrefetchBlock block);

    /// <summary>
    /// Waits until no other process holds any of <paramref name="block"/>'s bytes (done, or crashed), then claims it;
    /// false when <paramref name="patience"/> ran out first (that process may be idle, holding them) or when cancelled.
    /// </summary>
    bool WaitAndClaim(PrefetchBlock block, TimeSpan patience, CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="block"/>'s bytes are (almost) all in the page cache already, so they need not be read again.</summary>
    bool IsWarm(PrefetchBlock block);

    /// <summary>
    /// Who holds <paramref name="block"/>'s bytes, for a message: "/tmp/ckpt-1000/prefetch-locks/fe00-1234.ranges.lock is
    /// locked by pid 1234 (python3)", as much of that as is known. Naming the process may cost a look at every
    /// descriptor on the node: <paramref name="nameProcess"/> false leaves it out, for the many messages after a file's first.
    /// </summary>
    string DescribeHolder(PrefetchBlock block, bool nameProcess);
}
