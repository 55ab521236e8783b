using System.Runtime.InteropServices;

namespace Checkpoints.Interop;

internal static partial class Libc
{
    /// <summary><c>RLIMIT_NOFILE</c>: open descriptors (<c>ulimit -n</c>); 7 on Linux, 8 on macOS.</summary>
    internal static int RLimitOpenFiles => OperatingSystem.IsMacOS() ? 8 : 7;

    /// <summary><c>RLIMIT_AS</c>: bytes of address space (<c>ulimit -v</c>); 9 on Linux, 5 on macOS.</summary>
    internal static int RLimitAddressSpace => OperatingSystem.IsMacOS() ? 5 : 9;

    /// <summary><c>struct rlimit</c>: the soft and hard limit; <c>rlim_t</c> is 64 bits on the 64-bit platforms the library runs on.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    /// <summary><c>int getrlimit(int resource, struct rlimit *rlim)</c>: a system call, so it answers even when no descriptor is free.</summary>
    [LibraryImport(LibraryName, EntryPoint = "getrlimit", SetLastError = true)]
    internal static partial int GetRLimit(int resource, out RLimit limit);
}
