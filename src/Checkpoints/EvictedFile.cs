using Checkpoints.Storage.Cache;


namespace Checkpoints;

/// <summary>One file <see cref="CheckpointCache.Evict"/> dropped from the page cache, measured before and after.</summary>
public sealed class EvictedFile
{
    internal EvictedFile(FileResidency before, FileResidency after, bool supported)
    {
        Before = before;
        After = after;
        Supported = supported;
    }

    /// <summary>The file.</summary>
    public string Path => Before.Path;

    /// <summary>How much of it was cached before.</summary>
    public FileResidency Before { get; }

    /// <summary>How much of it is cached after (pages another process is using at that moment may stay).</summary>
    public FileResidency After { get; }

    /// <summary>Whether the platform can drop a file from its cache at all (Linux and other POSIX systems); false on Windows.</summary>
    public bool Supported { get; }
}
