using System.Runtime.InteropServices;
using Checkpoints.Interop;
using Microsoft.Win32.SafeHandles;

namespace Checkpoints.Files;

/// <summary>
/// Which file a path or handle is, and its state: device and inode (the same file, not a replacement), size and
/// modification time (not rewritten). Compared before bytes are handed out, so a shard that changed underneath a
/// load is reported instead of read. Where the inode is not available (not Linux) only size and time count.
/// </summary>
internal readonly record struct FileIdentity(ulong Device, ulong Inode, long Length, long ModifiedSeconds, uint ModifiedNanoseconds)
{
    /// <summary>The identity of the open file <paramref name="handle"/> (an <c>fstat</c>).</summary>
    /// <exception cref="IOException">The file cannot be described (the mount went away, for instance).</exception>
    public static FileIdentity Of(SafeFileHandle handle, string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return Portable(RandomAccess.GetLength(handle), File.GetLastWriteTimeUtc(handle));
        }

        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return Statx((int)handle.DangerousGetHandle(), string.Empty, Libc.AtEmptyPath, path);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>The identity of the file at <paramref name="path"/> now.</summary>
    /// <exception cref="FileNotFoundException">Nothing is at the path any more.</exception>
    /// <exception cref="IOException">The file cannot be described.</exception>
    public static FileIdentity Of(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            var info = new FileInfo(path);
            return info.Exists ? Portable(info.Length, info.LastWriteTimeUtc) : throw new FileNotFoundException($"{path} no longer exists.", path);
        }

        return Statx(Libc.AtFdCwd, path, 0, path);
    }

    /// <summary>Whether <paramref name="other"/> is the same inode on the same device (it may have changed in content).</summary>
    public bool IsSameFileAs(FileIdentity other) => Device == other.Device && Inode == other.Inode;

    /// <summary>The modification time, for messages.</summary>
    public DateTime ModifiedUtc => DateTime.UnixEpoch.AddSeconds(ModifiedSeconds).AddTicks(ModifiedNanoseconds / 100);

    private static FileIdentity Portable(long length, DateTime modifiedUtc)
    {
        var sinceEpoch = modifiedUtc - DateTime.UnixEpoch;
        var seconds = (long)Math.Floor(sinceEpoch.TotalSeconds);
        return new FileIdentity(0, 0, length, seconds, (uint)((sinceEpoch.Ticks - (seconds * TimeSpan.TicksPerSecond)) * 100));
    }

    private static unsafe FileIdentity Statx(int directory, string path, int flags, string pathForMessages)
    {
        Libc.StatxBuffer buffer;
        if (Libc.Statx(directory, path, flags, Libc.StatxBasicStats, &buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            var message = $"{pathForMessages}: cannot read its size and identity: {Marshal.GetPInvokeErrorMessage(errno)}";
            throw errno == 2 ? new FileNotFoundException(message, pathForMessages) : new IOException(message);
        }

        var device = ((ulong)buffer.DevMajor << 32) | buffer.DevMinor;
        return new FileIdentity(device, buffer.Inode, (long)buffer.Size, buffer.ModifiedSeconds, buffer.ModifiedNanoseconds);
    }
}
