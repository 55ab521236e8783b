using System.Globalization;
using Checkpoints.Units;

namespace Checkpoints.Storage.Memory;

/// <summary>
/// How much memory this process may use: the host's <c>MemAvailable</c> and, on Linux, every cgroup level from
/// this process's memory cgroup up to the top of the visible hierarchy (v1 <c>memory</c> controller and v2
/// unified hierarchy alike). Reads from the roots it is given, so tests feed it fixture trees.
/// </summary>
internal sealed partial class MemoryProbe
{
    /// <summary>At or above this a v1 limit means "no limit" (the kernel's unlimited value is 2^63 rounded down to a page: 9223372036854771712).</summary>
    internal const long NoLimitThreshold = 1L << 62;

    /// <param name="procRoot">Where proc is mounted (normally <c>/proc</c>): <c>meminfo</c>, <c>self/cgroup</c> and <c>self/mountinfo</c> are read below it.</param>
    /// <param name="mountInfoPath">The mountinfo file that locates the cgroup mounts; <see langword="null"/> for <c>{procRoot}/self/mountinfo</c>. Ignored when <paramref name="cgroupRoot"/> is given.</param>
    /// <param name="cgroupRoot">A cgroup mount directory to use instead of the ones in mountinfo (such as <c>/sys/fs/cgroup</c>): v1 is looked for in its <c>memory</c> folder, v2 in it or its <c>unified</c> folder.</param>
    public MemoryProbe(string procRoot, string? mountInfoPath = null, string? cgroupRoot = null)
    {
        ProcRoot = procRoot;
        MountInfoPath = mountInfoPath ?? Path.Combine(procRoot, "self", "mountinfo");
        CgroupRoot = cgroupRoot;
    }

    public string ProcRoot { get; }

    public string MountInfoPath { get; }

    public string? CgroupRoot { get; }

    /// <summary>A probe of the real machine.</summary>
    public static MemoryProbe CreateDefault() => new("/proc");

    public MemoryFacts Probe()
    {
        var (hostAvailable, hostTotal, hostSource) = ReadHost();
        var levels = OperatingSystem.IsLinux() || CgroupRoot is not null || File.Exists(Path.Combine(ProcRoot, "self", "cgroup"))
            ? ReadCgroupLevels()
            : [];
        return Decide(hostAvailable, hostTotal, hostSource, levels);
    }

    internal static MemoryFacts Decide(long? hostAvailable, long? hostTotal, string hostSource, IReadOnlyList<CgroupMemoryLevel> levels)
    {
        long? binding = hostAvailable;
        CgroupMemoryLevel? bindingLevel = null;
        foreach (var level in levels)
        {
            if (level.AvailableBytes is { } available && (binding is null || available < binding))
            {
                binding = available;
                bindingLevel = level;
            }
        }

        if (binding is null)
        {
            return new MemoryFacts(hostAvailable, hostTotal, hostSource, levels, null, MemoryLimitSource.Unknown, null,
                "neither the host's available memory nor a cgroup limit could be read");
        }

        if (bindingLevel is null)
        {
            var below = levels.Any(l => l.LimitBytes is not null) ? "every cgroup limit leaves more" : "no cgroup limit";
            return new MemoryFacts(hostAvailable, hostTotal, hostSource, levels, binding, MemoryLimitSource.Host, null,
                $"host {hostSource}: {ByteSize.Format(binding.Value)} ({below})");
        }

        var description = $"cgroup {bindingLevel.CgroupPath} (v{bindingLevel.Version}): limit {ByteSize.Format(bindingLevel.LimitBytes!.Value)}, "
            + $"usage {ByteSize.Format(bindingLevel.UsageBytes!.Value)}, {ByteSize.Format(binding.Value)} available";
        if (bindingLevel.InactiveFileBytes is { } inactive && inactive > 0)
        {
            description += $" (plus up to {ByteSize.Format(inactive)} of reclaimable inactive page cache)";
        }

        return new MemoryFacts(hostAvailable, hostTotal, hostSource, levels, binding, MemoryLimitSource.Cgroup, bindingLevel, description);
    }

    /// <summary>
    /// <c>MemAvailable</c> and <c>MemTotal</c> from meminfo. Kernels before 3.14 have no <c>MemAvailable</c>; the
    /// estimate is then <c>MemFree + Buffers + Cached - Shmem</c> (shared memory sits in Cached but cannot be
    /// dropped), which ignores the reserves the kernel keeps and so reads a little high. Outside Linux only
    /// the total is known (what the runtime reports).
    /// </summary>
    private (long? Available, long? Total, string Source) ReadHost()
    {
        var path = Path.Combine(ProcRoot, "meminfo");
        if (!File.Exists(path))
        {
            var total = OperatingSystem.IsLinux() ? (long?)null : GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
            return (null, total, $"unknown ({path} not found)");
        }

        var values = ParseMemInfo(File.ReadAllText(path));
        var memTotal = values.GetValueOrDefault("MemTotal");
        if (values.TryGetValue("MemAvailable", out var available))
        {
            return (available, memTotal, "MemAvailable");
        }

        if (values.TryGetValue("MemFree", out var free))
        {
            var estimate = free + values.GetValueOrDefault("Buffers") + values.GetValueOrDefault("Cached") - values.GetValueOrDefault("Shmem");
            return (Math.Max(0, estimate), memTotal, "MemFree+Buffers+Cached-Shmem (estimate: the kernel has no MemAvailable)");
        }

        return (null, memTotal, "unknown (meminfo has neither MemAvailable nor MemFree)");
    }

    /// <summary>Parses meminfo lines <c>Name:   1234 kB</c> into bytes.</summary>
    internal static Dictionary<string, long> ParseMemInfo(string text)
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var parts = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 1 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                var multiplier = parts.Length >= 2 && parts[1] == "kB" ? 1024L : 1L;
                values[line[..colon]] = number * multiplier;
            }
        }

        return values;
    }
}
