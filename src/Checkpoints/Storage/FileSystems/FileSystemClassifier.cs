using Checkpoints.Interop;


namespace Checkpoints.Storage.FileSystems;

/// <summary>
/// Classifies a file system type name (as mountinfo, macOS <c>f_fstypename</c> or Windows name it) into
/// <see cref="FileSystemClass"/>. The table is generous on the network side: treating a network file system as
/// local costs a 30-50x slower load, treating a local one as network costs a prefetch that was not needed.
/// </summary>
internal sealed class FileSystemClassifier
{
    /// <summary>Kernel (or platform) network and cluster file systems.</summary>
    private static readonly HashSet<string> NetworkTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "nfs", "nfs4", "lustre", "gpfs", "ceph", "cephfs", "beegfs", "fhgfs", "wekafs", "glusterfs",
        "cifs", "smb3", "smb2", "smbfs", "9p", "virtiofs", "panfs", "afs", "openafs", "orangefs", "pvfs2",
        "davfs", "davfs2", "ncpfs", "coda", "gfs2", "ocfs2", "quobyte", "moosefs", "lizardfs", "vboxsf", "vmhgfs",
        "prl_fs", "hdfs", "afpfs", "webdav", "ftp", "nfs3",
    };

    /// <summary>FUSE subtypes (after <c>fuse.</c>) that reach their data over the network.</summary>
    private static readonly HashSet<string> NetworkFuseSubtypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "sshfs", "gcsfuse", "s3fs", "blobfuse", "blobfuse2", "juicefs", "ceph-fuse", "ceph", "mountpoint-s3",
        "rclone", "glusterfs", "goofys", "alluxio-fuse", "alluxio", "geesefs", "s3ql", "cvmfs", "cvmfs2", "mfs",
        "moosefs", "lizardfs", "seaweedfs", "weed", "beegfs", "lustre", "ossfs", "cosfs", "obsfs", "objectivefs",
        "curlftpfs", "httpfs", "httpfs2", "davfs", "davfs2", "gdrivefs", "google-drive-ocamlfuse", "onedriver",
        "xtreemfs", "quobyte", "fuse_dfs", "hdfs", "nfs", "smbnetfs", "jfs-fuse", "3fs", "hf-mount", "xetfs",
        "azurefiles", "dbfs", "weka", "sftp", "ftpfs", "cloudfuse", "tigrisfs", "yas3fs", "riofs",
    };

    private static readonly HashSet<string> LocalTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "ext2", "ext3", "ext4", "xfs", "btrfs", "zfs", "f2fs", "bcachefs", "jfs", "reiserfs", "nilfs2",
        "vfat", "msdos", "exfat", "ntfs", "ntfs3", "hfs", "hfsplus", "apfs", "udf", "iso9660", "squashfs",
        "erofs", "ufs", "fuseblk", "refs", "fat", "fat32", "cdfs", "ext4dev",
    };

    /// <summary>FUSE subtypes known to sit on local storage.</summary>
    private static readonly HashSet<string> LocalFuseSubtypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "squashfuse", "squashfuse_ll", "ntfs-3g", "exfat", "fuse-overlayfs", "fuse2fs", "erofsfuse", "archivemount",
    };

    private static readonly HashSet<string> MemoryTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "tmpfs", "ramfs", "devtmpfs", "hugetlbfs", "shm",
    };

    private readonly HashSet<string> _extraNetwork;

    public FileSystemClassifier(IEnumerable<string>? additionalNetworkTypes = null)
    {
        _extraNetwork = new HashSet<string>(
            (additionalNetworkTypes ?? []).Select(t => t.Trim()).Where(t => t.Length > 0),
            StringComparer.OrdinalIgnoreCase);
    }

    public static FileSystemClassifier Default { get; } = new();

    /// <summary>The name after <c>fuse.</c> (or <c>fuseblk.</c>), or <see langword="null"/> for a type that is not FUSE with a subtype.</summary>
    public static string? FuseSubtype(string type)
    {
        foreach (var prefix in (ReadOnlySpan<string>)["fuse.", "fuseblk."])
        {
            if (type.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && type.Length > prefix.Length)
            {
                return type[prefix.Length..];
            }
        }

        return null;
    }

    /// <summary>True for <c>fuse</c>, <c>fuseblk</c> and <c>fuse.*</c>: everything the kernel serves through <c>/dev/fuse</c>.</summary>
    public static bool IsFuse(string type) =>
        type.Equals("fuse", StringComparison.OrdinalIgnoreCase)
        || type.Equals("fuseblk", StringComparison.OrdinalIgnoreCase)
        || FuseSubtype(type) is not null;

    /// <summary>Classifies a type name. Overlay is not resolved here (its layers decide; see <see cref="FileSystemProbe"/>).</summary>
    public (FileSystemClass Class, string Reason) Classify(string type)
    {
        var subtype = FuseSubtype(type);
        if (_extraNetwork.Contains(type) || (subtype is not null && _extraNetwork.Contains(subtype)))
        {
            return (FileSystemClass.Network, $"'{type}' is in the user's network file system list");
        }

        if (NetworkTypes.Contains(type))
        {
            return (FileSystemClass.Network, $"'{type}' is a network file system");
        }

        if (MemoryTypes.Contains(type))
        {
            return (FileSystemClass.Memory, $"'{type}' keeps files in memory");
        }

        if (LocalTypes.Contains(type))
        {
            return (FileSystemClass.Local, $"'{type}' is a local file system");
        }

        if (subtype is not null)
        {
            if (NetworkFuseSubtypes.Contains(subtype))
            {
                return (FileSystemClass.Network, $"FUSE file system '{subtype}' reads over the network");
            }

            if (LocalFuseSubtypes.Contains(subtype))
            {
                return (FileSystemClass.Local, $"FUSE file system '{subtype}' reads local storage");
            }

            return (FileSystemClass.Unknown, $"FUSE file system '{subtype}' is not in the table; if it is remote, add '{type}' to CKPT_NETWORK_FS");
        }

        if (type.Equals("fuse", StringComparison.OrdinalIgnoreCase))
        {
            return (FileSystemClass.Unknown, "FUSE file system without a subtype: its backing is not known");
        }

        if (type.Equals("overlay", StringComparison.OrdinalIgnoreCase))
        {
            return (FileSystemClass.Local, "'overlay' with no layer on a network file system");
        }

        return (FileSystemClass.Unknown, $"'{type}' is not in the table; if it is remote, add it to CKPT_NETWORK_FS");
    }

    /// <summary>
    /// Whether a mountinfo type agrees with a magic number. <see langword="null"/> when the magic is not in the table
    /// (no opinion). FUSE, fuseblk, every <c>fuse.*</c> subtype and virtiofs all report the FUSE magic.
    /// </summary>
    public static bool? MagicAgrees(long magic, string type)
    {
        if (StatfsMagic.CanonicalName(magic) is null)
        {
            return null;
        }

        if (magic == StatfsMagic.Fuse)
        {
            return IsFuse(type) || type.Equals("virtiofs", StringComparison.OrdinalIgnoreCase);
        }

        return magic switch
        {
            StatfsMagic.Nfs => type is "nfs" or "nfs4",
            StatfsMagic.Ext => type is "ext2" or "ext3" or "ext4" or "ext4dev",
            StatfsMagic.Cifs or StatfsMagic.Smb2 => type is "cifs" or "smb3" or "smb2",
            StatfsMagic.Tmpfs => type is "tmpfs" or "devtmpfs" or "shm",
            StatfsMagic.Ramfs => type is "ramfs" or "devtmpfs",
            StatfsMagic.BeeGfs => type is "beegfs" or "fhgfs",
            StatfsMagic.Ceph => type is "ceph" or "cephfs",
            StatfsMagic.Msdos => type is "vfat" or "msdos",
            StatfsMagic.Ntfs => type is "ntfs" or "ntfs3",
            StatfsMagic.Afs => type is "afs" or "openafs",
            StatfsMagic.OrangeFs => type is "orangefs" or "pvfs2",
            _ => string.Equals(StatfsMagic.CanonicalName(magic), type, StringComparison.OrdinalIgnoreCase),
        };
    }
}
