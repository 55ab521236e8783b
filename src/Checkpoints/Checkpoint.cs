using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using Checkpoints.Files;
using Checkpoints.Format;
using Checkpoints.Loading.Planning;
using Checkpoints.Loading.Session;
using Checkpoints.Storage.Facts;
using Checkpoints.Verification;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Checkpoints;

/// <summary>
/// An open safetensors checkpoint: one file, or the shards of an index or a directory. Opening reads only the
/// headers; tensor bytes are read when asked for. Dispose it to release the files; tensors used afterwards
/// throw <see cref="ObjectDisposedException"/>.
/// </summary>
/// <remarks>
/// There is no <c>OpenAsync</c>: opening reads a few kilobytes per shard on the loader's own reader threads (in
/// parallel, under the read timeout) and probes the storage with system calls that have no asynchronous form, so an
/// asynchronous open would only hide a thread pool hop. Call <see cref="Open"/> through <c>Task.Run</c> to keep it off
/// a thread that must not block.
/// </remarks>
public sealed class Checkpoint : IDisposable, IAsyncDisposable
{
    private readonly LoadSession _session;
    private readonly FrozenDictionary<string, Tensor> _byName;

    private Checkpoint(OpenedCheckpoint opened, LoadSession session)
    {
        _session = session;
        SourcePath = opened.Layout.Source;
        IndexPath = opened.Layout.Index?.Path;
        Plan = opened.Plan;
        TotalTensorBytes = opened.Catalog.TotalTensorBytes;
        Warnings = opened.Catalog.Warnings;
        var shards = opened.Catalog.Shards;
        Shards = [.. shards.Select(static header => new CheckpointShard(header))];
        Tensors = [.. opened.Catalog.Tensors.Select((entry, i) =>
            new Tensor(session, entry.Shard, shards[entry.Shard].FilePath, entry.Entry, shards[entry.Shard].DataStart + entry.Entry.DataBegin, opened.Selection.Tensors[i]))];
        _byName = Tensors.ToFrozenDictionary(static tensor => tensor.Name, StringComparer.Ordinal);
    }

    /// <summary>The path the checkpoint was opened from.</summary>
    public string SourcePath { get; }

    /// <summary>The shard index used, when there was one.</summary>
    public string? IndexPath { get; }

    /// <summary>How each shard is read, and why; decided before any data was read.</summary>
    public LoadPlan Plan { get; }

    /// <summary>Completes when the background prefetch has finished or stopped (at once when there is none). Never faults.</summary>
    public Task PrefetchCompletion => _session.PrefetchCompletion;

    /// <summary>The files, in loading order.</summary>
    public IReadOnlyList<CheckpointShard> Shards { get; }

    /// <summary>Every tensor, in shard order and then in data order within a shard: the order that reads sequentially.</summary>
    public IReadOnlyList<Tensor> Tensors { get; }

    /// <summary>Total bytes of tensor data across all shards.</summary>
    public long TotalTensorBytes { get; }

    /// <summary>Bytes of the selected tensors and slices (<see cref="TotalTensorBytes"/> without a selection).</summary>
    public long SelectedTensorBytes => Tensors.Sum(static tensor => tensor.SelectedByteLength);

    /// <summary>Inconsistencies found while opening that do not prevent reading (for example an index's total_size that disagrees).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The tensor named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    public Tensor this[string name] => TryGetTensor(name, out var tensor)
        ? tensor
        : throw new KeyNotFoundException($"The checkpoint {SourcePath} has no tensor named '{name}' ({Tensors.Count} tensors).");

    /// <summary>
    /// Opens a checkpoint from a <c>.safetensors</c> file, a <c>*.safetensors.index.json</c>, or a directory: reads and
    /// validates every shard's header (a few kilobytes each), probes the storage, plans how to read each shard (see
    /// <see cref="Plan"/>) and starts the background prefetch the plan calls for. Data is read as tensors are used.
    /// </summary>
    /// <param name="path">The checkpoint.</param>
    /// <param name="options">Loading choices; null for the defaults with <c>CKPT_LOAD_STRATEGY</c> applied.</param>
    /// <param name="logger">Receives the facts, the plan and the prefetch progress.</param>
    /// <param name="cancellationToken">Cancels the opening, and the background prefetch for as long as it runs.</param>
    /// <exception cref="CheckpointFormatException">A file breaks the format, or the shards disagree with the index.</exception>
    /// <exception cref="FileNotFoundException">The path, or a shard the index names, does not exist.</exception>
    /// <exception cref="ArgumentException">The options are out of range, or <c>CKPT_LOAD_STRATEGY</c> names no strategy.</exception>
    public static Checkpoint Open(string path, LoadOptions? options = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        options ??= LoadOptions.FromEnvironment();
        logger ??= NullLogger.Instance;
        var opened = CheckpointOpener.Open(path, options, logger, cancellationToken);
        var session = LoadSession.Start(opened, options, logger, cancellationToken);
        try
        {
            return new Checkpoint(opened, session);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Plans the load of a checkpoint without loading it: headers and storage facts are read, no data, and nothing is
    /// prefetched. The plan is the one <see cref="Open"/> would make now.
    /// </summary>
    /// <inheritdoc cref="Open" path="/param"/>
    /// <inheritdoc cref="Open" path="/exception"/>
    public static LoadPlan PlanLoad(string path, LoadOptions? options = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        var opened = CheckpointOpener.Open(path, options ?? LoadOptions.FromEnvironment(), logger ?? NullLogger.Instance, cancellationToken);
        opened.ReadPool.Dispose();
        return opened.Plan;
    }

    /// <summary>
    /// Checks a whole checkpoint and reports every problem found rather than the first: each shard's header, the
    /// shards against each other and the index, and every data byte read back from storage. Problems are in the
    /// report, not thrown.
    /// </summary>
    /// <param name="path">The checkpoint: a file, an index or a directory.</param>
    /// <param name="cancellationToken">Stops the verification.</param>
    public static VerificationReport Verify(string path, CancellationToken cancellationToken = default) =>
        CheckpointVerifier.Verify(path, cancellationToken);

    /// <summary>The shard files of a checkpoint, in loading order, found from its path as <see cref="Open"/> finds them; no header is read.</summary>
    /// <param name="path">The checkpoint: a file, an index or a directory.</param>
    /// <exception cref="CheckpointFormatException">The index is damaged, or the directory holds no checkpoint or an ambiguous one.</exception>
    /// <exception cref="FileNotFoundException">The path, or a shard the index names, does not exist.</exception>
    public static IReadOnlyList<string> FindFiles(string path) => CheckpointLayout.Discover(path).ShardPaths;

    /// <summary>
    /// The storage facts the planner would see for a checkpoint's files: the file system of each (and how it is
    /// classified), how much of each is in the page cache, and the memory this process may use.
    /// </summary>
    /// <param name="path">The checkpoint: a file, an index or a directory.</param>
    /// <param name="networkFileSystems">File system types to treat as network besides the built-in table and <c>CKPT_NETWORK_FS</c>.</param>
    /// <param name="cancellationToken">Stops the probes.</param>
    /// <exception cref="FileNotFoundException">The path, or a shard the index names, does not exist.</exception>
    /// <exception cref="CheckpointFormatException">The index is damaged, or the directory holds no checkpoint or an ambiguous one.</exception>
    public static StorageFacts ProbeStorage(string path, IEnumerable<string>? networkFileSystems = null, CancellationToken cancellationToken = default) =>
        StorageProbe.Probe(FindFiles(path), StorageProbeOptions.FromEnvironment(networkFileSystems), cancellationToken);

    /// <summary>Looks a tensor up by name.</summary>
    public bool TryGetTensor(string name, [NotNullWhen(true)] out Tensor? tensor) =>
        _byName.TryGetValue(name, out tensor);

    /// <summary>Stops the prefetch (waiting briefly for its workers) and closes the files. Safe to repeat.</summary>
    public void Dispose() => _session.Dispose();

    /// <summary>As <see cref="Dispose"/>, but waits for the prefetch workers to stop without blocking a thread.</summary>
    public ValueTask DisposeAsync() => _session.DisposeAsync();
}
