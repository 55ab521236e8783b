
namespace Checkpoints.Interop;

/// <summary>Linux <c>statfs</c> <c>f_type</c> magic numbers (include/uapi/linux/magic.h and the out-of-tree file systems' sources), and the mountinfo type names each one stands for.</summary>
internal static class StatfsMagic
{
    public const long Nfs = 0x6969;
    public const long Lustre = 0x0BD00BD0;
    public const long Gpfs = 0x47504653;
    public const long Ceph = 0x00C36400;
    public const long BeeGfs = 0x19830326;
    public const long Cifs = 0xFF534D42;
    public const long Smb2 = 0xFE534D42;
    public const long Smb = 0x517B;
    public const long Fuse = 0x65735546;
    public const long Tmpfs = 0x01021994;
    public const long Ramfs = 0x858458F6;
    public const long Hugetlbfs = 0x958458F6;
    public const long Overlay = 0x794C7630;
    public const long Ext = 0xEF53;
    public const long Xfs = 0x58465342;
    public const long Btrfs = 0x9123683E;
    public const long Zfs = 0x2FC12FC1;
    public const long F2fs = 0xF2F52010;
    public const long Bcachefs = 0xCA451A4E;
    public const long V9fs = 0x01021997;
    public const long Afs = 0x5346414F;
    public const long OrangeFs = 0x20030528;
    public const long Coda = 0x73757245;
    public const long Squashfs = 0x73717368;
    public const long Erofs = 0xE0F5E1E2;
    public const long Msdos = 0x4D44;
    public const long Exfat = 0x2011BAB0;
    public const long Ntfs = 0x5346544E;
    public const long Gfs2 = 0x01161970;
    public const long Ocfs2 = 0x7461636F;

    // Kernel pseudo-file systems: their files are views of kernel state, never stored data.
    public const long Proc = 0x9FA0;
    public const long Sysfs = 0x62656572;
    public const long Debugfs = 0x64626720;
    public const long Tracefs = 0x74726163;
    public const long Securityfs = 0x73636673;
    public const long Cgroup = 0x0027E0EB;
    public const long Cgroup2 = 0x63677270;
    public const long Configfs = 0x62656570;
    public const long Pstore = 0x6165676C;
    public const long Bpf = 0xCAFE4A11;
    public const long Efivarfs = 0xDE5E81E4;
    public const long Selinuxfs = 0xF97CFF8C;

    /// <summary>Whether <paramref name="magic"/> is a kernel pseudo-file system (procfs, sysfs, cgroupfs, ...).</summary>
    public static bool IsKernelPseudoFileSystem(long magic) =>
        (magic & 0xFFFF_FFFF) is Proc or Sysfs or Debugfs or Tracefs or Securityfs or Cgroup or Cgroup2 or Configfs or Pstore or Bpf or Efivarfs or Selinuxfs;

    /// <summary>The canonical type name for a magic (used when mountinfo says nothing), or <see langword="null"/> when the magic is not in the table.</summary>
    public static string? CanonicalName(long magic) => magic switch
    {
        Nfs => "nfs",
        Lustre => "lustre",
        Gpfs => "gpfs",
        Ceph => "ceph",
        BeeGfs => "beegfs",
        Cifs => "cifs",
        Smb2 => "smb3",
        Smb => "smbfs",
        Fuse => "fuse",
        Tmpfs => "tmpfs",
        Ramfs => "ramfs",
        Hugetlbfs => "hugetlbfs",
        Overlay => "overlay",
        Ext => "ext4",
        Xfs => "xfs",
        Btrfs => "btrfs",
        Zfs => "zfs",
        F2fs => "f2fs",
        Bcachefs => "bcachefs",
        V9fs => "9p",
        Afs => "afs",
        OrangeFs => "orangefs",
        Coda => "coda",
        Squashfs => "squashfs",
        Erofs => "erofs",
        Msdos => "vfat",
        Exfat => "exfat",
        Ntfs => "ntfs3",
        Gfs2 => "gfs2",
        Ocfs2 => "ocfs2",
        _ => null,
    };
}
