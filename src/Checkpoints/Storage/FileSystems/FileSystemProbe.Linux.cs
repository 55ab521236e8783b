using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Checkpoints.Interop;
using Checkpoints.Storage.Mounts;

namespace Checkpoints.Storage.FileSystems;

internal sealed partial class FileSystemProbe
{
    private IReadOnlyList<MountInfoEntry> ReadMountsOrEmpty()
    {
        try
        {
            return MountInfo.Read(MountInfoPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Without a mount table the statfs magic still identifies most file systems.
            return [];
        }
    }

    /// <param name="path">The file.</param>
    /// <param name="mounts">The mount table.</param>
    /// <param name="magics">The statfs magic of each mount (by mount id) asked so far in this probe.</param>
    private FileSystemFacts ProbeLinux(string path, IReadOnlyList<MountInfoEntry> mounts, ConcurrentDictionary<ulong, long?> magics)
    {
        var realPath = RealPath(path);
        var (device, mountId) = Device(realPath);
        // statfs describes the mount that holds the file (its super block; for an overlay, the overlay), which the mount id
        // names exactly: files on one mount ask once. Over a network every statfs is a round trip (500 shards: 500).
        var magic = mountId is { } id ? magics.GetOrAdd(id, static (_, file) => Magic(file), realPath) : Magic(realPath);
        return Resolve(path, realPath, mounts, device, magic);
    }

    /// <summary><c>realpath(3)</c>: every link resolved, in order (a managed walk gets <c>link/..</c> wrong).</summary>
    /// <exception cref="FileNotFoundException">The path or a link target does not exist.</exception>
    internal static unsafe string RealPath(string path)
    {
        var buffer = stackalloc byte[Libc.PathMax];
        if (Libc.Realpath(path, buffer) is null)
        {
            var errno = Marshal.GetLastPInvokeError();
            var message = $"Cannot resolve '{path}': {Marshal.GetPInvokeErrorMessage(errno)}.";
            throw errno == 2 ? new FileNotFoundException(message, path) : new IOException(message);
        }

        return Marshal.PtrToStringUTF8((nint)buffer)!;
    }

    /// <summary>The file's device, and the id of the mount that holds it when the kernel tells (Linux 5.8+).</summary>
    private static unsafe ((uint Major, uint Minor)? Device, ulong? MountId) Device(string realPath)
    {
        Libc.StatxBuffer buffer;
        if (Libc.Statx(Libc.AtFdCwd, realPath, 0, Libc.StatxBasicStats | Libc.StatxMountId, &buffer) != 0)
        {
            return (null, null);
        }

        return ((buffer.DevMajor, buffer.DevMinor), (buffer.Mask & Libc.StatxMountId) != 0 ? buffer.MountId : null);
    }

    private static unsafe long? Magic(string realPath)
    {
        Libc.LinuxStatfsBuffer buffer;
        // f_type is a signed long: magics with the top bit set (CIFS 0xFF534D42) must read back unsigned.
        return Libc.LinuxStatfs(realPath, &buffer) == 0 ? (long)(uint)buffer.Type : null;
    }
}
