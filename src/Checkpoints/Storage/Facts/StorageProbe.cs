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
    public static StorageFacts Probe(IReadOnlyList<string> files, StorageProbeOptions options, CancellationToken cancellationToken = default) =>
        Probe(files, options, residencies: null, cancellationToken);

    /// <summary>As <see cref="Probe(IReadOnlyList{string}, StorageProbeOptions, CancellationToken)"/>, with the residencies the caller has measured.</summary>
    /// <param name="files">The files.</param>
    /// <param name="options">Where the facts are read, and what the user adds.</param>
    /// <param name="residencies">
    /// The files' residencies when the caller has measured them already (through handles it had open for another
    /// purpose), in the order of <paramref name="files"/>; null to measure them here. Ignored when residency is not
    /// measured (<see cref="StorageProbeOptions.MeasureResidency"/>).
    /// </param>
    /// <param name="cancellationToken">Stops the probes of the files.</param>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    public static StorageFacts Probe(IReadOnlyList<string> files, StorageProbeOptions options, IReadOnlyList<FileResidency>? residencies, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(options);
        if (residencies is not null && residencies.Count != files.Count)
        {
            throw new ArgumentException($"{residencies.Count} residencies for {files.Count} files.", nameof(residencies));
        }

        var mountInfo = options.MountInfoPath ?? Path.Combine(options.ProcRoot, "self", "mountinfo");
        var fileSystems = new FileSystemProbe(mountInfo, new FileSystemClassifier(options.AdditionalNetworkFileSystems))
            .Probe(files, cancellationToken);
        var pageCache = new PageCache(options.ProcRoot);
        var measured = options.MeasureResidency && residencies is not null ? residencies : PerFileProbe.Run(files, file => options.MeasureResidency
            ? pageCache.GetResidency(file, cancellationToken)
            : new FileResidency(file, new FileInfo(file).Length, null, ResidencyMethod.Unknown, "not measured (turned off)"), cancellationToken);
        var perFile = fileSystems.Zip(measured, static (fileSystem, residency) => new StorageFileFacts(fileSystem, residency)).ToArray();

        var memory = new MemoryProbe(options.ProcRoot, options.MountInfoPath, options.CgroupRoot).Probe();
        return new StorageFacts(perFile, memory) { CanPopulateMaps = MapPopulate.IsSupported };
    }
}
