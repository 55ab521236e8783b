namespace Checkpoints.Storage.FileSystems;

/// <summary>What kind of storage holds a file, as far as the loader's strategy is concerned.</summary>
public enum FileSystemClass
{
    /// <summary>The file system could not be identified, or is one (such as an unlisted FUSE file system) whose backing is not known.</summary>
    Unknown = 0,

    /// <summary>A local block device: page faults are served at local latency.</summary>
    Local,

    /// <summary>Memory (tmpfs, ramfs): the file already lives in RAM.</summary>
    Memory,

    /// <summary>A network or cluster file system: every page fault may be a round trip.</summary>
    Network,
}
