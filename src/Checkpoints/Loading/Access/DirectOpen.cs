using Checkpoints.Files;
using Microsoft.Win32.SafeHandles;

namespace Checkpoints.Loading.Access;

/// <summary>Opens a shard to read past the page cache (<c>O_DIRECT</c>), where its file system allows it.</summary>
internal static class DirectOpen
{
    /// <summary>
    /// The shard opened for direct reads and checked to be the file whose header was read; null when the file system
    /// refuses direct I/O (tmpfs, many FUSE file systems), or off Linux: then it is opened as usual.
    /// </summary>
    /// <exception cref="IOException">The file cannot be opened, or it is not the one opened before.</exception>
    public static SafeFileHandle? TryOpenUnchanged(string path, FileIdentity opened)
    {
        if (OpenFileLimit.TryOpenReadDirect(path) is not { } direct)
        {
            return null;
        }

        try
        {
            ShardChanged.ThrowIfDiffers(path, opened, FileIdentity.Of(direct, path));
            return direct;
        }
        catch
        {
            direct.Dispose();
            throw;
        }
    }
}
