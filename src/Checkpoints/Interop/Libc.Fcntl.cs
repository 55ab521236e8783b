using System.Runtime.InteropServices;

namespace Checkpoints.Interop;

internal static partial class Libc
{
    /// <summary>
    /// <c>F_OFD_GETLK</c> (Linux 3.15+): describes the first lock that would conflict with the one given, or sets its type
    /// to <see cref="LockTypeUnlock"/> when none would.
    /// </summary>
    internal const int FcntlOfdGetLock = 36;

    /// <summary>
    /// <c>F_OFD_SETLK</c> (Linux 3.15+): takes or drops a byte-range lock without waiting. The lock belongs to the open
    /// file description, not to the process: two opens in one process exclude each other, and closing one descriptor
    /// drops only that open's locks (classic <c>F_SETLK</c> locks are the process's, and any close drops them all).
    /// </summary>
    internal const int FcntlOfdSetLock = 37;

    /// <summary><c>F_WRLCK</c>: an exclusive lock; the descriptor must be open for writing (else <c>EBADF</c>).</summary>
    internal const short LockTypeWrite = 1;

    /// <summary><c>F_UNLCK</c>.</summary>
    internal const short LockTypeUnlock = 2;

    /// <summary><c>SEEK_SET</c>: <see cref="RecordLock.Start"/> counts from the start of the file.</summary>
    internal const short SeekSet = 0;

    /// <summary>
    /// <c>struct flock</c> on 64-bit Linux, x86-64 and arm64 alike (glibc and musl): <c>short l_type</c>, <c>short
    /// l_whence</c>, 4 bytes of padding, <c>off_t l_start</c>, <c>off_t l_len</c> (0: to the end of the file, wherever
    /// it is), <c>pid_t l_pid</c> (0 on input for OFD locks; -1 in what <see cref="FcntlOfdGetLock"/> reports), padding.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 32)]
    internal struct RecordLock
    {
        [FieldOffset(0)] public short Type;
        [FieldOffset(2)] public short Whence;
        [FieldOffset(8)] public long Start;
        [FieldOffset(16)] public long Length;
        [FieldOffset(24)] public int Pid;
    }

    /// <summary>
    /// <c>int fcntl(int fd, int cmd, struct flock *lock)</c>. fcntl is variadic; on x86-64 and arm64 Linux a variadic
    /// pointer is passed exactly as a fixed one, so a fixed signature calls it correctly.
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "fcntl", SetLastError = true)]
    internal static unsafe partial int FcntlLock(int fd, int command, RecordLock* record);
}
