using Checkpoints.Storage.Cache;
using Checkpoints.Storage.FileSystems;


namespace Checkpoints.Storage.Facts;

/// <summary>The storage facts of one file of a checkpoint.</summary>
public sealed class StorageFileFacts
{
    internal StorageFileFacts(FileSystemFacts fileSystem, FileResidency residency)
    {
        FileSystem = fileSystem;
        Residency = residency;
    }

    /// <summary>Which file system holds the file.</summary>
    public FileSystemFacts FileSystem { get; }

    /// <summary>How much of the file is in the page cache.</summary>
    public FileResidency Residency { get; }
}
