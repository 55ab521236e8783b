using Checkpoints.Storage.Cache;
using Checkpoints.Storage.FileSystems;


namespace Checkpoints.Storage.Facts;

/// <summary>The storage facts of one file of a checkpoint.</summary>
/// <param name="FileSystem">Which file system holds the file.</param>
/// <param name="Residency">How much of the file is in the page cache.</param>
public sealed record StorageFileFacts(FileSystemFacts FileSystem, FileResidency Residency);
