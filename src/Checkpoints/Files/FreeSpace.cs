using Checkpoints.Interop;


namespace Checkpoints.Files;

/// <summary>How many bytes a new file under a path may still take, for writers that check before they start.</summary>
internal static class FreeSpace
{
    /// <summary>
    /// The bytes free to this (unprivileged) user on the file system that <paramref name="path"/> would be created on:
    /// that of its nearest existing ancestor. Null where it cannot be asked (not Linux, or <c>statvfs</c> failed).
    /// </summary>
    public static unsafe long? Available(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var directory = NearestExisting(Path.GetFullPath(path));
        Libc.StatvfsBuffer buffer;
        if (Libc.Statvfs(directory, &buffer) != 0)
        {
            return null;
        }

        var bytes = (UInt128)buffer.BlocksAvailable * buffer.FragmentSize;
        return bytes > long.MaxValue ? long.MaxValue : (long)bytes;
    }

    /// <summary>The path itself when it exists, else the closest ancestor that does (the root at worst).</summary>
    public static string NearestExisting(string fullPath)
    {
        var current = fullPath;
        while (!Directory.Exists(current) && !File.Exists(current) && Path.GetDirectoryName(current) is { } parent)
        {
            current = parent;
        }

        return current;
    }
}
