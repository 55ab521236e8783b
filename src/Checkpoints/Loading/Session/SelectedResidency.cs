using Checkpoints.Loading.Planning;
using Checkpoints.Selection;
using Checkpoints.Storage.Facts;

namespace Checkpoints.Loading.Session;

/// <summary>How much of what a selection reads of a shard is in the page cache already.</summary>
internal static class SelectedResidency
{
    /// <summary>The cached bytes of <paramref name="selection"/>'s reads of <paramref name="file"/>; null when unknown.</summary>
    public static long? CachedBytes(StorageFileFacts file, ShardSelection selection)
    {
        if (selection.IsWhole || file.Residency.CachedBytes is not { } cached)
        {
            return file.Residency.CachedBytes;
        }

        if (selection.IsEmpty || cached == 0)
        {
            return 0;
        }

        // The file's residency tells only the extremes: all cached means every range is.
        return cached >= file.Residency.SizeBytes * LoadPlanner.CachedEnough ? selection.ReadBytes : null;
    }
}
