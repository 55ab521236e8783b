namespace Checkpoints.Storage.Memory;

/// <summary>How much memory this process may use: the host's numbers, every cgroup level's numbers, and which one binds.</summary>
public sealed class MemoryFacts
{
    internal MemoryFacts(long? hostAvailableBytes, long? hostTotalBytes, string hostAvailableSource, IReadOnlyList<CgroupMemoryLevel> cgroupLevels, long? bindingAvailableBytes, MemoryLimitSource bindingSource, CgroupMemoryLevel? bindingCgroup, string bindingDescription)
    {
        HostAvailableBytes = hostAvailableBytes;
        HostTotalBytes = hostTotalBytes;
        HostAvailableSource = hostAvailableSource;
        CgroupLevels = cgroupLevels;
        BindingAvailableBytes = bindingAvailableBytes;
        BindingSource = bindingSource;
        BindingCgroup = bindingCgroup;
        BindingDescription = bindingDescription;
    }

    /// <summary>The host's available memory (<c>MemAvailable</c>, or the documented estimate on kernels without it); <see langword="null"/> when unknown.</summary>
    public long? HostAvailableBytes { get; }

    /// <summary>The host's total memory (<c>MemTotal</c>); <see langword="null"/> when unknown.</summary>
    public long? HostTotalBytes { get; }

    /// <summary>Where <see cref="HostAvailableBytes"/> came from, such as <c>MemAvailable</c>.</summary>
    public string HostAvailableSource { get; }

    /// <summary>The cgroup levels from this process's own cgroup (first) up to the root of the visible hierarchy (last). Empty outside Linux or when no memory controller is mounted.</summary>
    public IReadOnlyList<CgroupMemoryLevel> CgroupLevels { get; }

    /// <summary>The smallest available number of all the above; <see langword="null"/> when none is known.</summary>
    public long? BindingAvailableBytes { get; }

    /// <summary>Whether the host or a cgroup binds.</summary>
    public MemoryLimitSource BindingSource { get; }

    /// <summary>The binding cgroup level when <see cref="BindingSource"/> is <see cref="MemoryLimitSource.Cgroup"/>.</summary>
    public CgroupMemoryLevel? BindingCgroup { get; }

    /// <summary>A short sentence naming the binding number and where it comes from.</summary>
    public string BindingDescription { get; }
}
