using Checkpoints.Format;
using Checkpoints.Storage;

namespace Checkpoints.Loading;

/// <summary>
/// Checks that a shard is still the file whose header was validated, and the errors for one that is not: a loader must
/// report a file rewritten, truncated or replaced underneath it, never hand out its bytes as if nothing happened.
/// </summary>
internal static class ShardChanged
{
    private const string Fix = "another process is writing or replacing it; wait for it to finish and load again";

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
            throw Deleted(path, opened.Length);
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

    public static IOException Deleted(string path, long length) =>
        new($"{path}: the shard was deleted while loading ({Invariant.N(length)} bytes when opened); {Fix}");

    public static IOException Length(string path, long expected, long actual) =>
        new($"{path}: the shard changed while loading: it was {Invariant.N(expected)} bytes when opened, now {Invariant.N(actual)}; {Fix}");
}
