namespace Checkpoints.Loading.Access;

/// <summary>
/// Accounts for the segment arrays read access lets go of. They are large-object-heap garbage, which the collector only
/// reclaims in a full collection, and its budget for those grows with the machine: left alone, a 4 GiB load through
/// 64 MiB segments held over 2 GiB of dead arrays. After every <see cref="CollectEvery"/> bytes let go, a full
/// collection is requested, so memory stays near what is really held and freed arrays are reused rather than faulted in anew.
/// </summary>
internal static class ReleasedBuffers
{
    public const long CollectEvery = 256L << 20;

    private static long _sinceCollection;

    public static void Add(long bytes)
    {
        var total = Interlocked.Add(ref _sinceCollection, bytes);
        if (total < CollectEvery || Interlocked.CompareExchange(ref _sinceCollection, 0, total) != total)
        {
            // Below the mark, or another thread is collecting for these bytes.
            return;
        }

        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);
    }
}
