using System.Runtime.InteropServices;

namespace Checkpoints.Interop;

internal static partial class Libc
{
    /// <summary><c>__NR_cachestat</c>: 451 on x86_64 and arm64 (and every architecture using the unified numbering since 5.1).</summary>
    internal const long SysCachestat = 451;

    /// <summary><c>struct cachestat_range</c>: a length of 0 means "to the end of the file".</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct CachestatRange
    {
        public ulong Offset;
        public ulong Length;
    }

    /// <summary><c>struct cachestat</c>: counts in pages.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct CachestatResult
    {
        public ulong Cache;
        public ulong Dirty;
        public ulong Writeback;
        public ulong Evicted;
        public ulong RecentlyEvicted;
    }

    /// <summary><c>cachestat(unsigned int fd, struct cachestat_range *range, struct cachestat *cstat, unsigned int flags)</c> through <c>syscall(2)</c>: glibc has no wrapper.</summary>
    [LibraryImport(LibraryName, EntryPoint = "syscall", SetLastError = true)]
    internal static unsafe partial long Cachestat(long number, uint fd, CachestatRange* range, CachestatResult* result, uint flags);
}
