using System.Runtime.InteropServices;

namespace Checkpoints.Interop;

internal static partial class Libc
{
    internal const int OpenReadOnly = 0x0;
    internal const int OpenReadWrite = 0x2;
    internal const int OpenCreate = 0x40;
    internal const int OpenCloseOnExec = 0x80000;
    internal const int OpenNoFollow = 0x20000;

    /// <summary>An open that does not wait: for a named pipe, no blocking until a writer comes; no effect on regular files.</summary>
    internal const int OpenNonBlock = 0x800;

    /// <summary>
    /// Reads that bypass the page cache (<c>O_DIRECT</c>): the device writes straight into the caller's buffer, whose
    /// address, length and file offset must be multiples of the logical block size. Its value differs by architecture.
    /// </summary>
    internal static int OpenDirect => RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x10000 : 0x4000;

    /// <summary>Never make a terminal this process's controlling terminal by opening it.</summary>
    internal const int OpenNoControllingTerminal = 0x100;

    /// <summary>
    /// <c>int open(const char *path, int flags, mode_t mode)</c> (Linux flag values). Used where .NET's own open would take
    /// a shared <c>flock</c> of its own (its FileShare emulation), which would spoil an exclusive lock taken on purpose, and
    /// where an open must not block (.NET's has no <c>O_NONBLOCK</c>).
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Open(string path, int flags, uint mode);
}
