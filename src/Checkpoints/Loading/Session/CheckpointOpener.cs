using Checkpoints.Files;
using Checkpoints.Format;
using Checkpoints.Loading.Access;
using Checkpoints.Loading.Logging;
using Checkpoints.Loading.Planning;
using Checkpoints.Loading.Reading;
using Checkpoints.Storage.Facts;
using Microsoft.Extensions.Logging;

namespace Checkpoints.Loading.Session;

/// <summary>
/// Opens a checkpoint up to its plan, in the order the facts become known: the files (layout), every header (read in
/// parallel under the read timeout), the catalogue across shards and the index, the storage facts, the plan.
/// Nothing of the data is read.
/// </summary>
internal static class CheckpointOpener
{
    public static OpenedCheckpoint Open(string path, LoadOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        options.Validate();
        var layout = CheckpointLayout.Discover(path);
        var readPool = new ReadPool(options.Threads);
        try
        {
            var opened = ShardOpening.ReadAll(layout.ShardPaths, readPool, options.ReadTimeout, cancellationToken);
            var headers = opened.Select(static shard => shard.Header).ToArray();
            var catalog = CheckpointCatalog.Build(layout.ShardPaths, layout.Index, headers);
            var facts = StorageProbe.Probe(layout.ShardPaths, StorageProbeOptions.FromEnvironment(options.NetworkFileSystems), cancellationToken);
            var plan = LoadPlanner.Plan(facts, options, ReadAccessMemory.Bytes);
            LogOpening(logger, path, headers, facts);
            LoadLog.Plan(logger, plan, catalog.Warnings);
            return new OpenedCheckpoint(layout, catalog, [.. opened.Select(static shard => shard.Identity)], readPool, plan);
        }
        catch
        {
            readPool.Dispose();
            throw;
        }
    }

    private static void LogOpening(ILogger logger, string path, ShardHeader[] headers, StorageFacts facts)
    {
        var types = string.Join(", ", facts.Files.Select(static file => $"{file.FileSystem.FileSystemType} ({file.FileSystem.Class.ToString().ToLowerInvariant()})").Distinct(StringComparer.Ordinal));
        var cached = facts.Files.Sum(static file => file.Residency.CachedBytes ?? 0);
        var known = facts.Files.All(static file => file.Residency.CachedBytes is not null);
        LoadLog.Opening(logger, path, headers.Length, headers.Sum(static header => header.FileLength), types, cached, known);
    }
}
