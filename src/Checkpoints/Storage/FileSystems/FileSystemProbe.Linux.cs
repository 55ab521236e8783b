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

    private FileSystemFacts ProbeLinux(string path, IReadOnlyList<MountInfoEntry> mounts)
    {
        var realPath = RealPath(path);
        return Resolve(path, realPath, mounts, Device(realPath), Magic(realPath));
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

    private static unsafe (uint Major, uint Minor)? Device(string realPath)
    {
        Libc.StatxBuffer buffer;
        return Libc.Statx(Libc.AtFdCwd, realPath, 0, Libc.StatxBasicStats, &buffer) == 0
            ? (buffer.DevMajor, buffer.DevMinor)
            : null;
    }

    private static unsafe long? Magic(string realPath)
    {
        Libc.LinuxStatfsBuffer buffer;
        // f_type is a signed long: magics with the top bit set (CIFS 0xFF534D42) must read back unsigned.
        return Libc.LinuxStatfs(realPath, &buffer) == 0 ? (long)(uint)buffer.Type : null;
    }
}
