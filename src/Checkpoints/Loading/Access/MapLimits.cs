using System.Globalization;
using Checkpoints.Files;
using Checkpoints.Loading.Planning;
using Checkpoints.Units;

namespace Checkpoints.Loading.Access;

/// <summary>
/// The two limits a memory map runs into, both reported by the kernel as ENOMEM: the cap on maps per process
/// (<c>vm.max_map_count</c>, 65,530 by default; each mapped shard takes one, the runtime hundreds) and the cap on the
/// process's address space (<c>RLIMIT_AS</c>, <c>ulimit -v</c>; a shard mapped whole takes its full size of it). A map
/// refused for either is reported with the numbers and the fix for the one reached.
/// </summary>
internal static class MapLimits
{
    private const int ENOMEM = 12;

    /// <summary>A count this close to the limit is taken as the cause: a new map may split others, and the count is read after the failure.</summary>
    private const int MapCountSlack = 16;

    private const string ReadInstead = "or read the shards instead of mapping them with LoadOptions.Access = ShardAccess.Read";

    /// <summary>What the process uses and may use; null parts where the system cannot tell (or, for the limit, where there is none).</summary>
    /// <param name="Maps">Memory maps of the process.</param>
    /// <param name="MaxMaps"><c>vm.max_map_count</c>.</param>
    /// <param name="AddressSpaceBytes">Bytes of address space the maps span (what <c>RLIMIT_AS</c> is compared with).</param>
    /// <param name="AddressSpaceLimit">The soft <c>RLIMIT_AS</c> in bytes; null when unlimited or unknown.</param>
    internal readonly record struct Usage(int? Maps, int? MaxMaps, long? AddressSpaceBytes, long? AddressSpaceLimit);

    /// <summary>The process's maps and address space now, against their limits.</summary>
    public static Usage Current()
    {
        if (!OperatingSystem.IsLinux())
        {
            return default;
        }

        // getrlimit, not /proc/self/limits: the same number, and it answers even with no descriptor free.
        var addressSpaceLimit = ResourceLimit.AddressSpace()?.Soft;
        try
        {
            var maxMaps = int.Parse(File.ReadAllText("/proc/sys/vm/max_map_count").Trim(), CultureInfo.InvariantCulture);
            var (maps, bytes) = CountMaps(File.ReadLines("/proc/self/maps"));
            return new Usage(maps, maxMaps, bytes, addressSpaceLimit);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return new Usage(null, null, null, addressSpaceLimit);
        }
    }

    /// <summary>What to add to the message of an <c>mmap</c> of <paramref name="length"/> bytes that failed with <paramref name="errno"/>.</summary>
    public static string Explain(int errno, long length) => errno == ENOMEM ? Explain(Current(), length) : string.Empty;

    /// <summary>The limit that <paramref name="usage"/> shows reached by a map of <paramref name="length"/> bytes, and its fix.</summary>
    internal static string Explain(Usage usage, long length)
    {
        if (usage.AddressSpaceLimit is { } limit && (usage.AddressSpaceBytes ?? 0) + length > limit)
        {
            var inUse = usage.AddressSpaceBytes is { } used ? $" and {ByteSize.Format(used)} of it is in use" : string.Empty;
            return $" (the process's address space is limited to {ByteSize.Format(limit)} by ulimit -v{inUse}; " +
                $"raise the limit with 'ulimit -v unlimited' before starting the process, {ReadInstead})";
        }

        if (usage is { Maps: { } maps, MaxMaps: { } max } && maps + MapCountSlack >= max)
        {
            return $" (the process has {Invariant.N(maps)} memory maps and vm.max_map_count is {Invariant.N(max)}; " +
                $"raise it with 'sysctl -w vm.max_map_count=N', {ReadInstead})";
        }

        // Neither limit is reached by the numbers (or they cannot be read): give them, the reader may know more.
        var count = usage is { Maps: { } m, MaxMaps: { } x } ? $"{Invariant.N(m)} memory maps of vm.max_map_count {Invariant.N(x)}" : "an unknown number of memory maps (vm.max_map_count)";
        var space = usage.AddressSpaceBytes is { } bytes ? $"{ByteSize.Format(bytes)} of address space" : "an unknown amount of address space";
        var cap = usage.AddressSpaceLimit is { } l ? ByteSize.Format(l) : "unlimited";
        return $" (the process has {count} and {space}, ulimit -v {cap}; raise whichever is reached, {ReadInstead})";
    }

    /// <summary>The maps listed in <c>/proc/self/maps</c> and the bytes they span; the kernel's half (<c>[vsyscall]</c>) is no map of the process.</summary>
    internal static (int Maps, long Bytes) CountMaps(IEnumerable<string> lines)
    {
        var maps = 0;
        long bytes = 0;
        foreach (var line in lines)
        {
            var dash = line.IndexOf('-', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (dash <= 0 || space <= dash)
            {
                continue;
            }

            var start = ulong.Parse(line.AsSpan(0, dash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            var end = ulong.Parse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            if (end <= long.MaxValue && end > start)
            {
                maps++;
                bytes += (long)(end - start);
            }
        }

        return (maps, bytes);
    }
}
