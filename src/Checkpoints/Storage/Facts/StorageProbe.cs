using Checkpoints.Files;
using Checkpoints.Storage.Cache;
using Checkpoints.Storage.FileSystems;
using Checkpoints.Storage.Memory;


namespace Checkpoints.Storage.Facts;

/// <summary>Gathers every storage fact the planner needs for a checkpoint's files in one call.</summary>
internal static class StorageProbe
{
    /// <summary>Probes the file system and page cache residency of each file (in the order given) and the memory this process may use.</summary>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    public static StorageFacts Probe(IReadOnlyList<string> files, StorageProbeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(options);
        var mountInfo = options.MountInfoPath ?? Path.Combine(options.ProcRoot, "self", "mountinfo");
        var fileSystems = new FileSystemProbe(mountInfo, new FileSystemClassifier(options.AdditionalNetworkFileSystems))
            .Probe(files, cancellationToken);
        var pageCache = new PageCache(options.ProcRoot);
        var residencies = PerFileProbe.Run(files, file => options.MeasureResidency
            ? pageCache.GetResidency(file, cancellationToken)
            : new FileResidency(file, new FileInfo(file).Length, null, ResidencyMethod.Unknown, "not measured (turned off)"), cancellationToken);
        var perFile = fileSystems.Zip(residencies, static (fileSystem, residency) => new StorageFileFacts(fileSystem, residency)).ToArray();

        var memory = new MemoryProbe(options.ProcRoot, options.MountInfoPath, options.CgroupRoot).Probe();
        return new StorageFacts(perFile, memory) { CanPopulateMaps = MapPopulate.IsSupported };
    }
}
