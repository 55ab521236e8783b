using Checkpoints.Interop;


namespace Checkpoints.Storage.FileSystems;

/// <summary>Which file system holds one file, and how that file system is classified.</summary>
public sealed class FileSystemFacts
{
    internal FileSystemFacts(string path, string realPath, string? mountPoint, string fileSystemType, string? mountSource, string? mountRoot, FileSystemClass @class, long? statfsMagic, string reason)
    {
        Path = path;
        RealPath = realPath;
        MountPoint = mountPoint;
        FileSystemType = fileSystemType;
        MountSource = mountSource;
        MountRoot = mountRoot;
        Class = @class;
        StatfsMagic = statfsMagic;
        Reason = reason;
    }

    /// <summary>The path as it was given.</summary>
    public string Path { get; }

    /// <summary>The path with every symbolic link resolved (the Hugging Face cache links snapshots into a <c>blobs/</c> folder that may sit on another mount).</summary>
    public string RealPath { get; }

    /// <summary>The mount point that holds <see cref="RealPath"/>, or <see langword="null"/> when the platform did not say.</summary>
    public string? MountPoint { get; }

    /// <summary>The file system type as the platform names it: <c>nfs4</c>, <c>ext4</c>, <c>fuse.sshfs</c>, <c>NTFS</c>, or <c>unknown</c>.</summary>
    public string FileSystemType { get; }

    /// <summary>The mount source (<c>server:/export</c>, <c>/dev/vda</c>), or <see langword="null"/> when not known.</summary>
    public string? MountSource { get; }

    /// <summary>The directory of the mounted file system that the mount point shows (not <c>/</c> for a bind mount), or <see langword="null"/> when not known.</summary>
    public string? MountRoot { get; }

    /// <summary>The classification the loader acts on.</summary>
    public FileSystemClass Class { get; }

    /// <summary>The <c>statfs</c> <c>f_type</c> magic number on Linux, or <see langword="null"/> when not known.</summary>
    public long? StatfsMagic { get; }

    /// <summary>A short sentence saying why <see cref="Class"/> was chosen.</summary>
    public string Reason { get; }
}
