using Checkpoints.Interop;
using Checkpoints.Storage.Cache;
using Checkpoints.Storage.Facts;
using Checkpoints.Storage.Memory;

namespace Checkpoints.Cli.Output;

/// <summary><c>ckpt probe --json</c>: the storage facts of each file, and the memory.</summary>
internal sealed record ProbeDocument(IReadOnlyList<ProbeFileJson> Files, ProbeMemoryJson Memory)
{
    public static ProbeDocument From(StorageFacts facts) => new([.. facts.Files.Select(ProbeFileJson.From)], ProbeMemoryJson.From(facts.Memory));
}

internal sealed record ProbeFileJson(
    string Path,
    string RealPath,
    string? MountPoint,
    string FileSystemType,
    string? MountSource,
    string? MountRoot,
    string Class,
    long? StatfsMagic,
    string Reason,
    long SizeBytes,
    long? CachedBytes,
    string ResidencyMethod,
    string? ResidencyReason)
{
    public static ProbeFileJson From(StorageFileFacts file)
    {
        var fs = file.FileSystem;
        var residency = file.Residency;
        return new(
            fs.Path,
            fs.RealPath,
            fs.MountPoint,
            fs.FileSystemType,
            fs.MountSource,
            fs.MountRoot,
            fs.Class.ToString().ToLowerInvariant(),
            fs.StatfsMagic,
            fs.Reason,
            residency.SizeBytes,
            residency.CachedBytes,
            residency.Method.ToString().ToLowerInvariant(),
            residency.Reason);
    }
}

internal sealed record ProbeMemoryJson(
    long? HostAvailableBytes,
    long? HostTotalBytes,
    string HostAvailableSource,
    IReadOnlyList<CgroupJson> Cgroups,
    long? BindingAvailableBytes,
    string BindingSource,
    string? BindingCgroup,
    string BindingDescription)
{
    public static ProbeMemoryJson From(MemoryFacts memory) => new(
        memory.HostAvailableBytes,
        memory.HostTotalBytes,
        memory.HostAvailableSource,
        [.. memory.CgroupLevels.Select(CgroupJson.From)],
        memory.BindingAvailableBytes,
        memory.BindingSource.ToString().ToLowerInvariant(),
        memory.BindingCgroup?.CgroupPath,
        memory.BindingDescription);
}

internal sealed record CgroupJson(
    string Path,
    string Directory,
    int Version,
    long? LimitBytes,
    long? UsageBytes,
    long? InactiveFileBytes,
    long? AvailableBytes)
{
    public static CgroupJson From(CgroupMemoryLevel level) => new(
        level.CgroupPath,
        level.Directory,
        level.Version,
        level.LimitBytes,
        level.UsageBytes,
        level.InactiveFileBytes,
        level.AvailableBytes);
}
