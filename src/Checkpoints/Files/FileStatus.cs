using System.Runtime.InteropServices;
using Checkpoints.Interop;

namespace Checkpoints.Files;

/// <summary>
/// <c>statx</c> of a path relative to a folder's descriptor, or of an open descriptor itself (an empty path with
/// <see cref="Libc.AtEmptyPath"/>): the type, owner, device and inode that the file checks of this folder compare.
/// </summary>
internal static class FileStatus
{
    private const int ENOENT = 2;

    /// <summary>The status, or false and the error number.</summary>
    public static unsafe bool TryDescribe(int directory, string path, int flags, out Libc.StatxBuffer status, out int errno)
    {
        Libc.StatxBuffer buffer;
        if (Libc.Statx(directory, path, flags, Libc.StatxBasicStats, &buffer) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            status = default;
            return false;
        }

        errno = 0;
        status = buffer;
        return true;
    }

    /// <summary>The status of <paramref name="path"/> relative to <paramref name="directory"/>.</summary>
    /// <exception cref="FileNotFoundException">Nothing is there.</exception>
    /// <exception cref="IOException">It cannot be examined.</exception>
    public static Libc.StatxBuffer Describe(int directory, string path, int flags, string pathForMessages)
    {
        if (TryDescribe(directory, path, flags, out var status, out var errno))
        {
            return status;
        }

        var message = $"{pathForMessages}: cannot read its owner and type: {Marshal.GetPInvokeErrorMessage(errno)}";
        throw errno == ENOENT ? new FileNotFoundException(message, pathForMessages) : new IOException(message);
    }

    /// <summary>The type bits of <paramref name="status"/>'s mode (<see cref="Libc.FileTypeMask"/>).</summary>
    public static int TypeOf(in Libc.StatxBuffer status) => status.Mode & Libc.FileTypeMask;
}
