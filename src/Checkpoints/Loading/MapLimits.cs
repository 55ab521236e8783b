using System.Globalization;

namespace Checkpoints.Loading;

/// <summary>
/// The kernel's cap on memory maps per process (<c>vm.max_map_count</c>, 65,530 by default): each mapped shard takes
/// one, and the runtime takes its own. A map refused for that reason is reported with the numbers and the fix.
/// </summary>
internal static class MapLimits
{
    private const int ENOMEM = 12;

    /// <summary>The process's map count and the limit; null parts where /proc cannot tell.</summary>
    public static (int? InUse, int? Limit) Current()
    {
        if (!OperatingSystem.IsLinux())
        {
            return (null, null);
        }

        int? limit = null;
        int? inUse = null;
        try
        {
            limit = int.Parse(File.ReadAllText("/proc/sys/vm/max_map_count").Trim(), CultureInfo.InvariantCulture);
            inUse = File.ReadLines("/proc/self/maps").Count();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
        }

        return (inUse, limit);
    }

    /// <summary>What to add to a failed <c>mmap</c>'s message: for ENOMEM, the map count against the limit and the fix.</summary>
    public static string Explain(int errno)
    {
        if (errno != ENOMEM)
        {
            return string.Empty;
        }

        var (inUse, limit) = Current();
        var numbers = inUse is { } used && limit is { } max
            ? string.Create(CultureInfo.InvariantCulture, $"the process has {used:N0} memory maps and vm.max_map_count is {max:N0}")
            : "the process may have reached vm.max_map_count";
        return $" ({numbers}; raise it with 'sysctl -w vm.max_map_count=N', or read the shards instead of mapping them with --access read)";
    }
}
