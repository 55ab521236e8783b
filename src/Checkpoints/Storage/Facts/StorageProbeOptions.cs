namespace Checkpoints.Storage.Facts;

/// <summary>Where the storage probes read the machine's facts, and what the user adds to them.</summary>
internal sealed record StorageProbeOptions
{
    /// <summary>The environment variable with extra network file system type names, comma separated (<c>fuse.myfs,lustre2</c>).</summary>
    public const string NetworkFileSystemsVariable = "CKPT_NETWORK_FS";

    /// <summary>Where proc is mounted.</summary>
    public string ProcRoot { get; init; } = "/proc";

    /// <summary>The mountinfo file; <see langword="null"/> for <c>{ProcRoot}/self/mountinfo</c>.</summary>
    public string? MountInfoPath { get; init; }

    /// <summary>A cgroup mount directory to use instead of the cgroup mounts listed in mountinfo.</summary>
    public string? CgroupRoot { get; init; }

    /// <summary>File system type names to treat as network in addition to the built-in table (in-house mounts).</summary>
    public IReadOnlyList<string> AdditionalNetworkFileSystems { get; init; } = [];

    /// <summary>Whether to measure page cache residency (it maps or queries each file).</summary>
    public bool MeasureResidency { get; init; } = true;

    /// <summary>The defaults for the real machine, with <see cref="AdditionalNetworkFileSystems"/> taken from <c>CKPT_NETWORK_FS</c> plus <paramref name="additionalNetworkFileSystems"/>.</summary>
    public static StorageProbeOptions FromEnvironment(IEnumerable<string>? additionalNetworkFileSystems = null) => new()
    {
        AdditionalNetworkFileSystems = ParseList(Environment.GetEnvironmentVariable(NetworkFileSystemsVariable))
            .Concat(additionalNetworkFileSystems?.SelectMany(ParseList) ?? [])
            .ToArray(),
    };

    /// <summary>Splits a comma-separated list of type names, dropping blanks.</summary>
    public static IEnumerable<string> ParseList(string? list) =>
        (list ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
