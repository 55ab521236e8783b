using System.Globalization;
using System.Runtime.InteropServices;

namespace Checkpoints.Cli.Tests.TestSupport;

/// <summary>
/// Lowers this process's soft limit on open files (<c>RLIMIT_NOFILE</c>) until only a few descriptors are free, and
/// puts it back on dispose. The limit is the whole process's: only tests of <see cref="ProcessWideLimits"/>, which
/// run alone, may use it, and they must warm up first (the runtime opens a file for each assembly it loads).
/// </summary>
internal sealed class DescriptorLimit : IDisposable
{
    private const int RLimitNoFile = 7;

    private readonly RLimit _saved;

    private DescriptorLimit(RLimit saved, long soft)
    {
        _saved = saved;
        Soft = soft;
    }

    /// <summary>The lowered soft limit: the number of files the process may now open.</summary>
    public long Soft { get; }

    /// <summary>Lowers the soft limit so that exactly <paramref name="free"/> descriptor numbers below it are unused (0: none is).</summary>
    public static DescriptorLimit LeaveFree(int free)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new InvalidOperationException("This test lowers the process's open-file limit through /proc and setrlimit: it needs Linux.");
        }

        Check(GetRLimit(RLimitNoFile, out var saved), "getrlimit");
        // The kernel gives out the lowest unused number below the limit: the limit goes at the unused number after the free ones.
        var used = OpenDescriptors();
        var soft = 0L;
        var unused = 0;
        while (used.Contains(soft) || unused < free)
        {
            unused += used.Contains(soft) ? 0 : 1;
            soft++;
        }

        Check(SetRLimit(RLimitNoFile, new RLimit { Current = (ulong)soft, Maximum = saved.Maximum }), "setrlimit");
        return new DescriptorLimit(saved, soft);
    }

    public void Dispose() => Check(SetRLimit(RLimitNoFile, _saved), "setrlimit");

    /// <summary>The descriptors open now, less the one that lists them (closed again once listed).</summary>
    private static HashSet<long> OpenDescriptors()
    {
        var listing = $"/proc/{Environment.ProcessId}/fd";
        return [.. new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos()
            .Where(entry => entry.LinkTarget != listing)
            .Select(static entry => long.Parse(entry.Name, CultureInfo.InvariantCulture))];
    }

    private static void Check(int result, string call)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"{call} failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    // DllImport, not LibraryImport: the generated stubs need unsafe code, which this project does not allow.
    [DllImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static extern int GetRLimit(int resource, out RLimit limit);

    [DllImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static extern int SetRLimit(int resource, in RLimit limit);
}
