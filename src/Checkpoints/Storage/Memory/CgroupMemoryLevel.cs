namespace Checkpoints.Storage.Memory;

/// <summary>The memory accounting of one cgroup on the path from this process's cgroup up to the root of the visible hierarchy.</summary>
/// <param name="CgroupPath">The cgroup's path inside its hierarchy, such as <c>/kubepods/pod1/ctr</c>.</param>
/// <param name="Directory">The directory that holds the cgroup's files.</param>
/// <param name="Version">1 for a cgroup v1 <c>memory</c> hierarchy, 2 for the unified hierarchy.</param>
/// <param name="LimitBytes">The limit (<c>memory.max</c>, or <c>memory.limit_in_bytes</c> on v1); <see langword="null"/> when there is none ("max", or the huge v1 value).</param>
/// <param name="UsageBytes">The charged usage (<c>memory.current</c>, or <c>memory.usage_in_bytes</c> on v1), page cache included; <see langword="null"/> when not readable.</param>
/// <param name="InactiveFileBytes">Inactive page cache charged to the cgroup (<c>inactive_file</c>, v1 <c>total_inactive_file</c>): counted in the usage, but reclaimable. <see langword="null"/> when not readable.</param>
public sealed record CgroupMemoryLevel(
    string CgroupPath,
    string Directory,
    int Version,
    long? LimitBytes,
    long? UsageBytes,
    long? InactiveFileBytes)
{
    /// <summary>Limit minus usage (never negative); <see langword="null"/> when there is no limit or the usage is unknown.</summary>
    public long? AvailableBytes => LimitBytes is { } limit && UsageBytes is { } usage ? Math.Max(0, limit - usage) : null;
}
