namespace Checkpoints.Storage.Mounts;

/// <summary>One line of <c>/proc/self/mountinfo</c>, with the octal escapes decoded.</summary>
/// <param name="MountId">Unique id of the mount.</param>
/// <param name="ParentId">Id of the parent mount.</param>
/// <param name="DeviceMajor">Major number of the file system's device (<c>st_dev</c>).</param>
/// <param name="DeviceMinor">Minor number of the file system's device.</param>
/// <param name="Root">The directory of the file system shown at the mount point (not <c>/</c> for bind mounts).</param>
/// <param name="MountPoint">Where it is mounted.</param>
/// <param name="FileSystemType">The type, with the FUSE subtype when there is one (<c>fuse.sshfs</c>).</param>
/// <param name="Source">The mount source (<c>server:/export</c>), or <see langword="null"/> when the kernel says <c>none</c>.</param>
/// <param name="SuperOptions">The per-superblock options (for overlay: <c>lowerdir=...,upperdir=...</c>).</param>
internal sealed record MountInfoEntry(
    int MountId,
    int ParentId,
    uint DeviceMajor,
    uint DeviceMinor,
    string Root,
    string MountPoint,
    string FileSystemType,
    string? Source,
    string SuperOptions);
