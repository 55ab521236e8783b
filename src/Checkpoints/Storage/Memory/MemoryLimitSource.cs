namespace Checkpoints.Storage.Memory;

/// <summary>Which number bounds the memory this process may use.</summary>
public enum MemoryLimitSource
{
    /// <summary>Nothing could be read.</summary>
    Unknown = 0,

    /// <summary>The host's available memory (<c>MemAvailable</c>).</summary>
    Host,

    /// <summary>A cgroup's limit minus its usage; <see cref="MemoryFacts.BindingCgroup"/> says which.</summary>
    Cgroup,
}
