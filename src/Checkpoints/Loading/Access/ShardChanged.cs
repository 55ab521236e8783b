using Checkpoints.Files;
using Checkpoints.Units;


namespace Checkpoints.Loading.Access;

/// <summary>
/// Checks that a shard is still the file whose header was validated, and the errors for one that is not: a loader must
/// report a file rewritten, truncated or replaced underneath it, never hand out its bytes as if nothing happened.
/// </summary>
internal static class ShardChanged
{
    internal const string Fix = "another process is writing or replacing it; wait for it to finish and load again";

    /// <summary>Opens <paramref name="path"/> for reading, refusing (and closing it) when it is no longer <paramref name="opened"/>.</summary>
    /// <exception cref="IOException">It changed, was replaced, is gone, or cannot be opened.</exception>
    public static Microsoft.Win32.SafeHandles.SafeFileHandle OpenUnchanged(string path, FileIdentity opened)
    {
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
            handle = OpenFileLimit.OpenRead(path);
        }
        catch (FileNotFoundException)
        {
            throw Deleted(path, opened);
        }

        try
        {
            ThrowIfDiffers(path, opened, FileIdentity.Of(handle, path));
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Throws when the file at <paramref name="path"/> is no longer <paramref name="opened"/>.</summary>
    /// <exception cref="IOException">It changed, was replaced, or is gone.</exception>
    public static void ThrowIfChanged(string path, FileIdentity opened)
    {
        FileIdentity now;
        try
        {
            now = FileIdentity.Of(path);
        }
        catch (FileNotFoundException)
        {
            throw Deleted(path, opened);
        }

        ThrowIfDiffers(path, opened, now);
    }

    /// <summary>Throws when <paramref name="now"/> (a handle's or a path's state) differs from <paramref name="opened"/>.</summary>
    public static void ThrowIfDiffers(string path, FileIdentity opened, FileIdentity now)
    {
        if (now == opened)
        {
            return;
        }

        if (!now.IsSameFileAs(opened))
        {
            throw new IOException($"{path}: the shard was replaced while loading: the path now names another file " +
                $"(inode {opened.Inode} -> {now.Inode}, {Invariant.N(opened.Length)} -> {Invariant.N(now.Length)} bytes); {Fix}");
        }

        if (now.Length != opened.Length)
        {
            throw Length(path, opened.Length, now.Length);
        }

        throw new IOException($"{path}: the shard changed while loading: it was modified at {now.ModifiedUtc:yyyy-MM-dd HH:mm:ss.fff} UTC, " +
            $"after it was opened (last modified {opened.ModifiedUtc:yyyy-MM-dd HH:mm:ss.fff} UTC); {Fix}");
    }

    /// <summary>
    /// The error for a shard no longer at its path. Nothing may have deleted it: when the nearest folder above it that
    /// still exists is now on another device than the shard was, the file system is what went away (an sshfs whose
    /// connection dropped unmounts itself; so does an unmount), and blaming a writer would send the reader the wrong way.
    /// </summary>
    public static IOException Deleted(string path, FileIdentity opened) =>
        UnmountedFolder(path, opened) is { } folder
            ? new IOException($"{path}: the file system the shard was on is no longer mounted at {folder}: it was unmounted while loading " +
                "(a network mount does this when it loses its server); check the mount and load again")
            : Deleted(path, opened.Length);

    private static IOException Deleted(string path, long length) =>
        new($"{path}: the shard was deleted while loading ({Invariant.N(length)} bytes when opened); {Fix}");

    /// <summary>The nearest existing folder above <paramref name="path"/> when it is on another device than <paramref name="opened"/>; null otherwise.</summary>
    private static string? UnmountedFolder(string path, FileIdentity opened)
    {
        // Only where devices are known (Linux), and not for a dangling symbolic link: its target may live anywhere.
        if (!OperatingSystem.IsLinux() || opened.Device == 0 || IsSymbolicLink(path))
        {
            return null;
        }

        for (var folder = Path.GetDirectoryName(path); !string.IsNullOrEmpty(folder); folder = Path.GetDirectoryName(folder))
        {
            try
            {
                return FileIdentity.Of(folder).Device != opened.Device ? folder : null;
            }
            catch (FileNotFoundException)
            {
                // Gone with the mount, or deleted with the shard: the answer is further up.
            }
            catch (IOException)
            {
                return null;
            }
        }

        return null;
    }

    private static bool IsSymbolicLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget is not null;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>A read of <paramref name="path"/> met the end of the file at <paramref name="end"/>, before the byte <paramref name="needed"/> it was to reach.</summary>
    public static IOException EndedEarly(string path, long end, long needed) =>
        new($"{path}: the file ends at byte {Invariant.N(end)}, before byte {Invariant.N(needed)} of its data: the shard was truncated while loading; {Fix}");

    public static IOException Length(string path, long expected, long actual) =>
        new($"{path}: the shard changed while loading: it was {Invariant.N(expected)} bytes when opened, now {Invariant.N(actual)}; {Fix}");
}
