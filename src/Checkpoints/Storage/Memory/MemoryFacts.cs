namespace Checkpoints.Storage.Memory;

/// <summary>How much memory this process may use: the host's numbers, every cgroup level's numbers, and which one binds.</summary>
/// <param name="HostAvailableBytes">The host's available memory (<c>MemAvailable</c>, or the documented estimate on kernels without it); <see langword="null"/> when unknown.</param>
/// <param name="HostTotalBytes">The host's total memory (<c>MemTotal</c>); <see langword="null"/> when unknown.</param>
/// <param name="HostAvailableSource">Where <paramref name="HostAvailableBytes"/> came from, such as <c>MemAvailable</c>.</param>
/// <param name="CgroupLevels">The cgroup levels from this process's own cgroup (first) up to the root of the visible hierarchy (last). Empty outside Linux or when no memory controller is mounted.</param>
/// <param name="BindingAvailableBytes">The smallest available number of all the above; <see langword="null"/> when none is known.</param>
/// <param name="BindingSource">Whether the host or a cgroup binds.</param>
/// <param name="BindingCgroup">The binding cgroup level when <paramref name="BindingSource"/> is <see cref="MemoryLimitSource.Cgroup"/>.</param>
/// <param name="BindingDescription">A short sentence naming the binding number and where it comes from.</param>
public sealed record MemoryFacts(
    long? HostAvailableBytes,
    long? HostTotalBytes,
    string HostAvailableSource,
    IReadOnlyList<CgroupMemoryLevel> CgroupLevels,
    long? BindingAvailableBytes,
    MemoryLimitSource BindingSource,
    CgroupMemoryLevel? BindingCgroup,
    string BindingDescription);
