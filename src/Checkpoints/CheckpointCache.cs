using Checkpoints.Format;
using Checkpoints.Loading.Planning;
using Checkpoints.Loading.Session;
using Checkpoints.Storage.Cache;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Checkpoints;

/// <summary>
/// A checkpoint's files in the operating system's page cache, for programs that read them some other way (a Python
/// server, llama.cpp) or for measurements: warm them ahead of a load, see how much is cached, drop them.
/// </summary>
public static class CheckpointCache
{
    /// <summary>
    /// Reads the checkpoint's shards into the page cache with the prefetcher (large parallel reads, like
    /// <c>vmtouch -t</c> but parallel) and discards the data. Nobody consumes, so the memory budget is a cap: the warm
    /// stops where the budget ends rather than evicting its own first pages. With several local ranks
    /// (<see cref="LoadOptions.Rank"/>, <see cref="LoadOptions.WorldSize"/>), each warms its share; processes on the node
    /// that warm the same files at once read each file once.
    /// </summary>
    /// <param name="path">The checkpoint: a file, an index or a directory.</param>
    /// <param name="options">Loading choices (the strategy is ignored: this is a prefetch); null for the defaults.</param>
    /// <param name="logger">Receives the facts, the plan and the progress.</param>
    /// <param name="cancellationToken">Stops the warm; the task then ends in <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="CheckpointFormatException">A file breaks the format, or the shards disagree with the index.</exception>
    /// <exception cref="FileNotFoundException">The path, or a shard the index names, does not exist.</exception>
    /// <exception cref="ArgumentException">The options are out of range.</exception>
    public static async Task<WarmReport> WarmAsync(string path, LoadOptions? options = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        options = (options ?? new LoadOptions()) with { Strategy = LoadStrategy.Prefetch };
        logger ??= NullLogger.Instance;
        var opened = CheckpointOpener.Open(path, options, logger, cancellationToken);
        var (read, planned, foundCached) = await LoadSession.WarmAsync(opened, options, logger, cancellationToken).ConfigureAwait(false);
        return new WarmReport(opened.Plan, read, planned, foundCached);
    }

    /// <summary>How much of each of the checkpoint's shard files is in the page cache (unknown outside Linux).</summary>
    /// <param name="path">The checkpoint: a file, an index or a directory.</param>
    /// <param name="cancellationToken">Stops the measurement.</param>
    /// <exception cref="FileNotFoundException">The path, or a shard the index names, does not exist.</exception>
    public static IReadOnlyList<FileResidency> GetResidency(string path, CancellationToken cancellationToken = default)
    {
        var cache = PageCache.CreateDefault();
        return [.. Checkpoint.FindFiles(path).Select(file => cache.GetResidency(file, cancellationToken))];
    }

    /// <summary>
    /// Drops the checkpoint's shard files from the page cache, for cold-start measurements; no root needed. Dirty pages
    /// are written back first, so a checkpoint just written is dropped too.
    /// </summary>
    /// <param name="path">The checkpoint: a file, an index or a directory.</param>
    /// <param name="cancellationToken">Stops between files.</param>
    /// <exception cref="FileNotFoundException">The path, or a shard the index names, does not exist.</exception>
    /// <exception cref="IOException">The kernel refused; the message names the file.</exception>
    public static IReadOnlyList<EvictedFile> Evict(string path, CancellationToken cancellationToken = default)
    {
        var cache = PageCache.CreateDefault();
        var evicted = new List<EvictedFile>();
        foreach (var file in Checkpoint.FindFiles(path))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var before = cache.GetResidency(file, cancellationToken);
            var supported = PageCache.Evict(file);
            evicted.Add(new EvictedFile(before, cache.GetResidency(file, cancellationToken), supported));
        }

        return evicted;
    }
}
