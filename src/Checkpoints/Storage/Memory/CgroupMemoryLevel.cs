namespace Checkpoints.Storage.Memory;

/// <summary>The memory accounting of one cgroup on the path from this process's cgroup up to the root of the visible hierarchy.</summary>
public sealed class CgroupMemoryLevel
{
    internal CgroupMemoryLevel(string cgroupPath, string directory, int version, long? limitBytes, long? usageBytes, long? inactiveFileBytes)
    {
        CgroupPath = cgroupPath;
        Directory = directory;
        Version = version;
        LimitBytes = limitBytes;
        UsageBytes = usageBytes;
        InactiveFileBytes = inactiveFileBytes;
    }

    /// <summary>The cgroup's path inside its hierarchy, such as <c>/kubepods/pod1/ctr</c>.</summary>
    public string CgroupPath { get; }

    /// <summary>The directory that holds the cgroup's files.</summary>
    public string Directory { get; }

    /// <summary>1 for a cgroup v1 <c>memory</c> hierarchy, 2 for the unified hierarchy.</summary>
    public int Version { get; }

    /// <summary>The limit (<c>memory.max</c>, or <c>memory.limit_in_bytes</c> on v1); <see langword="null"/> when there is none ("max", or the huge v1 value).</summary>
    public long? LimitBytes { get; }

    /// <summary>The charged usage (<c>memory.current</c>, or <c>memory.usage_in_bytes</c> on v1), page cache included; <see langword="null"/> when not readable.</summary>
    public long? UsageBytes { get; }

    /// <summary>Inactive page cache charged to the cgroup (<c>inactive_file</c>, v1 <c>total_inactive_file</c>): counted in the usage, but reclaimable. <see langword="null"/> when not readable.</summary>
    public long? InactiveFileBytes { get; }

    /// <summary>Limit minus usage (never negative); <see langword="null"/> when there is no limit or the usage is unknown.</summary>
    public long? AvailableBytes => LimitBytes is { } limit && UsageBytes is { } usage ? Math.Max(0, limit - usage) : null;
}
