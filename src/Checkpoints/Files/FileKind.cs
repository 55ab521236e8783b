namespace Checkpoints.Files;

/// <summary>What a path names, as far as opening it as a shard is concerned.</summary>
internal enum FileKind
{
    /// <summary>Nothing is at the path (or a symbolic link points at nothing).</summary>
    Missing,

    /// <summary>A regular file on a file system that stores data: the only kind a shard may be.</summary>
    Regular,

    Directory,

    /// <summary>A named pipe: opening it for reading blocks until a writer appears.</summary>
    Fifo,

    CharacterDevice,

    BlockDevice,

    Socket,

    /// <summary>A "regular" file of a kernel pseudo-file system (procfs, sysfs, ...): its size says nothing about its content.</summary>
    PseudoFile,
}
