using System.Globalization;
using Checkpoints.Storage.Mounts;

namespace Checkpoints.Storage.Memory;

internal sealed partial class MemoryProbe
{
    /// <summary>One mounted hierarchy that can account memory.</summary>
    private sealed record CgroupHierarchy(int Version, string MountPoint, string MountRoot);

    /// <summary>Every level, innermost first, of every hierarchy that accounts memory for this process.</summary>
    private List<CgroupMemoryLevel> ReadCgroupLevels()
    {
        var membershipFile = Path.Combine(ProcRoot, "self", "cgroup");
        if (!File.Exists(membershipFile))
        {
            return [];
        }

        var (v1Path, v2Path) = ParseMembership(File.ReadAllText(membershipFile));
        var levels = new List<CgroupMemoryLevel>();
        foreach (var hierarchy in FindHierarchies())
        {
            var membership = hierarchy.Version == 1 ? v1Path : v2Path;
            if (membership is not null)
            {
                levels.AddRange(Walk(hierarchy, membership));
            }
        }

        return levels;
    }

    /// <summary>
    /// Parses <c>/proc/self/cgroup</c>: <c>hierarchy-id:controllers:path</c>. The v1 line is the one whose
    /// controller list holds <c>memory</c>; the v2 line is <c>0::path</c>.
    /// </summary>
    internal static (string? V1MemoryPath, string? V2Path) ParseMembership(string text)
    {
        string? v1 = null;
        string? v2 = null;
        foreach (var line in text.Split('\n'))
        {
            var first = line.IndexOf(':', StringComparison.Ordinal);
            var second = first < 0 ? -1 : line.IndexOf(':', first + 1);
            if (second < 0)
            {
                continue;
            }

            var controllers = line[(first + 1)..second];
            var path = line[(second + 1)..].TrimEnd('\r');
            if (line[..first] == "0" && controllers.Length == 0)
            {
                v2 = path;
            }
            else if (controllers.Split(',').Contains("memory"))
            {
                v1 = path;
            }
        }

        return (v1, v2);
    }

    private IEnumerable<CgroupHierarchy> FindHierarchies()
    {
        if (CgroupRoot is not null)
        {
            foreach (var candidate in (ReadOnlySpan<string>)[Path.Combine(CgroupRoot, "memory"), CgroupRoot])
            {
                if (File.Exists(Path.Combine(candidate, "memory.limit_in_bytes")))
                {
                    yield return new CgroupHierarchy(1, candidate, "/");
                    break;
                }
            }

            foreach (var candidate in (ReadOnlySpan<string>)[CgroupRoot, Path.Combine(CgroupRoot, "unified")])
            {
                if (File.Exists(Path.Combine(candidate, "cgroup.controllers")))
                {
                    yield return new CgroupHierarchy(2, candidate, "/");
                    break;
                }
            }

            yield break;
        }

        IReadOnlyList<MountInfoEntry> mounts;
        try
        {
            mounts = MountInfo.Read(MountInfoPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            yield break;
        }

        // The last usable mount of each version: a later mount of the same hierarchy on the same point hides the earlier one.
        CgroupHierarchy? v1 = null;
        CgroupHierarchy? v2 = null;
        foreach (var mount in mounts)
        {
            if (mount.FileSystemType == "cgroup2" && Directory.Exists(mount.MountPoint))
            {
                v2 = new CgroupHierarchy(2, mount.MountPoint, mount.Root);
            }
            else if (mount.FileSystemType == "cgroup" && mount.SuperOptions.Split(',').Contains("memory") && Directory.Exists(mount.MountPoint))
            {
                v1 = new CgroupHierarchy(1, mount.MountPoint, mount.Root);
            }
        }

        if (v1 is not null)
        {
            yield return v1;
        }

        if (v2 is not null)
        {
            yield return v2;
        }
    }

    /// <summary>
    /// Walks from the process's cgroup directory up to the mount point. The membership path is relative to the
    /// hierarchy's root; the mount shows the hierarchy from <see cref="CgroupHierarchy.MountRoot"/> down (not
    /// <c>/</c> in a container without a cgroup namespace). When the path is not visible from here (a
    /// namespace shows "/", or the directory is not there), the walk starts at the top of the mount.
    /// </summary>
    private static IEnumerable<CgroupMemoryLevel> Walk(CgroupHierarchy hierarchy, string membership)
    {
        var relative = membership;
        if (hierarchy.MountRoot != "/")
        {
            relative = MountInfo.IsUnder(membership, hierarchy.MountRoot) ? membership[hierarchy.MountRoot.TrimEnd('/').Length..] : "/";
        }

        var segments = relative.Split('/', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (segments.Any(s => s is ".." or ".") || !Directory.Exists(Path.Combine([hierarchy.MountPoint, .. segments])))
        {
            segments.Clear();
        }

        while (true)
        {
            var directory = Path.Combine([hierarchy.MountPoint, .. segments]);
            var cgroupPath = JoinCgroupPath(hierarchy.MountRoot, segments);
            if (ReadLevel(hierarchy.Version, cgroupPath, directory) is { } level)
            {
                yield return level;
            }

            if (segments.Count == 0)
            {
                yield break;
            }

            segments.RemoveAt(segments.Count - 1);
        }
    }

    private static string JoinCgroupPath(string mountRoot, List<string> segments)
    {
        var prefix = mountRoot == "/" ? string.Empty : mountRoot.TrimEnd('/');
        return segments.Count == 0 ? (prefix.Length == 0 ? "/" : prefix) : prefix + "/" + string.Join('/', segments);
    }

    /// <summary>One level's numbers, or <see langword="null"/> when the directory accounts no memory (the v2 root, a hierarchy without the controller).</summary>
    internal static CgroupMemoryLevel? ReadLevel(int version, string cgroupPath, string directory)
    {
        var (limitFile, usageFile) = version == 1
            ? ("memory.limit_in_bytes", "memory.usage_in_bytes")
            : ("memory.max", "memory.current");
        var limitText = ReadTrimmed(Path.Combine(directory, limitFile));
        var usageText = ReadTrimmed(Path.Combine(directory, usageFile));
        if (limitText is null && usageText is null)
        {
            return null;
        }

        var limit = ParseLimit(limitText);
        var usage = ParseNumber(usageText);
        var stat = ReadTrimmed(Path.Combine(directory, "memory.stat"));
        long? inactive = null;
        if (stat is not null)
        {
            var values = ParseFlatKeyed(stat);
            // v1's memory.stat splits this cgroup's own counters from the hierarchical total_* ones; v2's are hierarchical.
            inactive = version == 1 && values.TryGetValue("total_inactive_file", out var total) ? total
                : values.TryGetValue("inactive_file", out var own) ? own : null;
        }

        return new CgroupMemoryLevel(cgroupPath, directory, version, limit, usage, inactive);
    }

    /// <summary>"max" (v2) or a value at or above 2^62 (v1's unlimited, page-rounded) is no limit.</summary>
    internal static long? ParseLimit(string? text)
    {
        if (text is null || text == "max")
        {
            return null;
        }

        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value < NoLimitThreshold
            ? (long)value
            : null;
    }

    private static long? ParseNumber(string? text) =>
        text is not null && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static Dictionary<string, long> ParseFlatKeyed(string text)
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                values[parts[0]] = value;
            }
        }

        return values;
    }

    private static string? ReadTrimmed(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
