using System.Diagnostics;
using Checkpoints.Files;
using Checkpoints.Format;
using Checkpoints.Loading.Access;
using Checkpoints.Loading.Logging;
using Checkpoints.Loading.Planning;
using Checkpoints.Loading.Reading;
using Checkpoints.Loading.Telemetry;
using Checkpoints.Selection;
using Checkpoints.Storage.Cache;
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
        using var activity = LoadTelemetry.Source.StartActivity("checkpoints.open");
        activity?.SetTag("checkpoint.path", path);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var opened = Open(path, options, logger, activity, cancellationToken);
            LoadTelemetry.OpenDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            return opened;
        }
        catch (Exception exception)
        {
            var type = LoadTelemetry.ErrorType(exception);
            LoadTelemetry.Errors.Add(1, new KeyValuePair<string, object?>("error.type", type), new KeyValuePair<string, object?>("operation", "open"));
            LoadTelemetry.OpenDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("error.type", type));
            activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
            activity?.SetTag("error.type", type);
            throw;
        }
    }

    private static OpenedCheckpoint Open(string path, LoadOptions options, ILogger logger, Activity? activity, CancellationToken cancellationToken)
    {
        options.Validate();
        var layout = CheckpointLayout.Discover(path);
        var readPool = new ReadPool(options.Threads);
        try
        {
            var probeOptions = StorageProbeOptions.FromEnvironment(options.NetworkFileSystems);
            var pageCache = probeOptions.MeasureResidency ? new PageCache(probeOptions.ProcRoot) : null;
            var opened = ShardOpening.ReadAll(layout.ShardPaths, readPool, options.ReadTimeout, pageCache, cancellationToken);
            var headers = opened.Select(static shard => shard.Header).ToArray();
            var catalog = CheckpointCatalog.Build(layout.ShardPaths, layout.Index, headers);
            var selection = ResolvedSelection.Resolve(catalog, options.Selection, new RangeCoalescing(options.CoalesceGapBytes, options.WholeShardFraction));
            // The residencies were measured through the handles the headers were read with: no second open of every shard.
            var facts = StorageProbe.Probe(layout.ShardPaths, probeOptions,
                probeOptions.MeasureResidency ? opened.Select(static shard => shard.Residency!).ToArray() : null, cancellationToken);
            var plan = Plan(facts, options, selection, pageCache);
            activity?.SetTag("checkpoint.shards", headers.Length);
            activity?.SetTag("checkpoint.bytes", headers.Sum(static header => header.FileLength));
            activity?.SetTag("checkpoint.file_system.types", string.Join(",", facts.Files.Select(static file => file.FileSystem.FileSystemType).Distinct(StringComparer.Ordinal)));
            LogOpening(logger, path, headers, facts);
            LoadLog.Plan(logger, plan, catalog.Warnings);
            return new OpenedCheckpoint(layout, catalog, [.. opened.Select(static shard => shard.Identity)], readPool, plan, selection);
        }
        catch
        {
            readPool.Dispose();
            throw;
        }
    }

    private static LoadPlan Plan(StorageFacts facts, LoadOptions options, ResolvedSelection selection, PageCache? pageCache)
    {
        using var activity = LoadTelemetry.Source.StartActivity("checkpoints.plan");
        var plan = selection.IsAll
            ? LoadPlanner.Plan(facts, options, ReadAccessMemory.Bytes)
            : LoadPlanner.Plan(facts, options, ReadAccessMemory.Bytes, selection.Shards, [.. facts.Files.Select((file, i) => SelectedResidency.CachedBytes(file, selection.Shards[i], pageCache))]);
        activity?.SetTag("plan.selected_bytes", plan.SelectedBytes);
        activity?.SetTag("plan.requested", plan.Requested.ToString().ToLowerInvariant());
        activity?.SetTag("plan.summary", plan.Summary);
        activity?.SetTag("plan.budget_bytes", plan.BudgetBytes);
        activity?.SetTag("plan.prefetch_bytes", plan.PrefetchBytes);
        activity?.SetTag("plan.window_bytes", plan.WindowBytes);
        activity?.SetTag("plan.threads", plan.Threads);
        activity?.SetTag("plan.block_size", plan.BlockSize);
        return plan;
    }

    private static void LogOpening(ILogger logger, string path, ShardHeader[] headers, StorageFacts facts)
    {
        var types = string.Join(", ", facts.Files.Select(static file => $"{file.FileSystem.FileSystemType} ({file.FileSystem.Class.ToString().ToLowerInvariant()})").Distinct(StringComparer.Ordinal));
        var cached = facts.Files.Sum(static file => file.Residency.CachedBytes ?? 0);
        var known = facts.Files.All(static file => file.Residency.CachedBytes is not null);
        LoadLog.Opening(logger, path, headers.Length, headers.Sum(static header => header.FileLength), types, cached, known);
    }
}
