namespace Checkpoints.Storage.FileSystems;

/// <summary>Which file system holds one file, and how that file system is classified.</summary>
/// <param name="Path">The path as it was given.</param>
/// <param name="RealPath">The path with every symbolic link resolved (the Hugging Face cache links snapshots into a <c>blobs/</c> folder that may sit on another mount).</param>
/// <param name="MountPoint">The mount point that holds <paramref name="RealPath"/>, or <see langword="null"/> when the platform did not say.</param>
/// <param name="FileSystemType">The file system type as the platform names it: <c>nfs4</c>, <c>ext4</c>, <c>fuse.sshfs</c>, <c>NTFS</c>, or <c>unknown</c>.</param>
/// <param name="MountSource">The mount source (<c>server:/export</c>, <c>/dev/vda</c>), or <see langword="null"/> when not known.</param>
/// <param name="MountRoot">The directory of the mounted file system that the mount point shows (not <c>/</c> for a bind mount), or <see langword="null"/> when not known.</param>
/// <param name="Class">The classification the loader acts on.</param>
/// <param name="StatfsMagic">The <c>statfs</c> <c>f_type</c> magic number on Linux, or <see langword="null"/> when not known.</param>
/// <param name="Reason">A short sentence saying why <paramref name="Class"/> was chosen.</param>
public sealed record FileSystemFacts(
    string Path,
    string RealPath,
    string? MountPoint,
    string FileSystemType,
    string? MountSource,
    string? MountRoot,
    FileSystemClass Class,
    long? StatfsMagic,
    string Reason);
