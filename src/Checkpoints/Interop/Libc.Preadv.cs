using System.Runtime.InteropServices;

namespace Checkpoints.Interop;

internal static partial class Libc
{
    /// <summary>The most buffers one <c>preadv</c> takes (<c>IOV_MAX</c> on Linux and macOS).</summary>
    internal const int IovMax = 1024;

    /// <summary><c>EINTR</c>: a signal arrived before the call read anything; it is simply made again.</summary>
    internal const int EIntr = 4;

    /// <summary><c>struct iovec</c>: one buffer of a vectored read.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct IoVec
    {
        public nint Base;
        public nuint Length;
    }

    /// <summary>
    /// <c>ssize_t preadv(int fd, const struct iovec *iov, int iovcnt, off_t offset)</c>: the file's bytes from
    /// <paramref name="offset"/> into the buffers in turn, in one call; returns the bytes read (fewer at the end of the
    /// file), or -1.
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "preadv", SetLastError = true)]
    internal static unsafe partial nint PReadV(int fd, IoVec* buffers, int count, long offset);
}
