using Checkpoints.Loading.Planning;
using Checkpoints.Selection;
using Checkpoints.Storage.Cache;
using Checkpoints.Storage.Facts;

namespace Checkpoints.Loading.Session;

/// <summary>How much of what a selection reads of a shard is in the page cache already.</summary>
internal static class SelectedResidency
{
    /// <summary>
    /// The cached bytes of <paramref name="selection"/>'s reads of <paramref name="file"/>; null when unknown. The file's
    /// own residency settles the common cases (none of it cached, or all of it); a file partly cached is measured range
    /// by range, which costs one more open of it.
    /// </summary>
    public static long? CachedBytes(StorageFileFacts file, ShardSelection selection, PageCache? pageCache)
    {
        if (selection.IsWhole || file.Residency.CachedBytes is not { } cached)
        {
            return file.Residency.CachedBytes;
        }

        if (selection.IsEmpty || cached == 0)
        {
            return 0;
        }

        if (cached >= file.Residency.SizeBytes * LoadPlanner.CachedEnough)
        {
            return selection.ReadBytes;
        }

        try
        {
            return pageCache?.GetCachedBytes(file.FileSystem.Path, selection.Reads.Select(static read => (read.Start, read.Length)));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null; // Counted as not cached: the load's own reads report what is wrong with the file.
        }
    }
}
