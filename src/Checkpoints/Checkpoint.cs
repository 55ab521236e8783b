using System.Collections.Frozen;
using Checkpoints.Format;
using Checkpoints.Loading;

namespace Checkpoints;

/// <summary>
/// An open safetensors checkpoint: one file, or the shards of an index or a directory. Opening reads only the
/// headers; tensor bytes are read when asked for. Dispose it to release the files; tensors used afterwards
/// throw <see cref="ObjectDisposedException"/>.
/// </summary>
public sealed class Checkpoint : IDisposable
{
    private readonly CheckpointCatalog _catalog;
    private readonly ShardData?[] _shardData;
    private readonly Lock _shardDataLock = new();
    private readonly FrozenDictionary<string, Tensor> _byName;
    private volatile bool _disposed;

    private Checkpoint(CheckpointLayout layout, CheckpointCatalog catalog)
    {
        SourcePath = layout.Source;
        IndexPath = layout.Index?.Path;
        _catalog = catalog;
        _shardData = new ShardData?[catalog.Shards.Count];
        Shards = [.. catalog.Shards.Select(static header => new CheckpointShard(header))];
        Tensors = [.. catalog.Tensors.Select(entry =>
        {
            var shard = catalog.Shards[entry.Shard];
            return new Tensor(this, entry.Shard, shard.FilePath, entry.Entry, shard.DataStart + entry.Entry.DataBegin);
        })];
        _byName = Tensors.ToFrozenDictionary(static tensor => tensor.Name, StringComparer.Ordinal);
    }

    /// <summary>The path the checkpoint was opened from.</summary>
    public string SourcePath { get; }

    /// <summary>The shard index used, when there was one.</summary>
    public string? IndexPath { get; }

    /// <summary>The files, in loading order.</summary>
    public IReadOnlyList<CheckpointShard> Shards { get; }

    /// <summary>Every tensor, in shard order and then in data order within a shard: the order that reads sequentially.</summary>
    public IReadOnlyList<Tensor> Tensors { get; }

    /// <summary>Total bytes of tensor data across all shards.</summary>
    public long TotalTensorBytes => _catalog.TotalTensorBytes;

    /// <summary>Inconsistencies found while opening that do not prevent reading (for example an index's total_size that disagrees).</summary>
    public IReadOnlyList<string> Warnings => _catalog.Warnings;

    /// <summary>The tensor named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    public Tensor this[string name] => TryGetTensor(name, out var tensor)
        ? tensor
        : throw new KeyNotFoundException($"The checkpoint {SourcePath} has no tensor named '{name}' ({Tensors.Count} tensors).");

    /// <summary>
    /// Opens a checkpoint from a <c>.safetensors</c> file, a <c>*.safetensors.index.json</c>, or a directory.
    /// Reads and validates every shard's header (a few kilobytes each), not the data.
    /// </summary>
    /// <exception cref="CheckpointFormatException">A file breaks the format, or the shards disagree with the index.</exception>
    /// <exception cref="FileNotFoundException">The path, or a shard the index names, does not exist.</exception>
    public static Checkpoint Open(string path, CancellationToken cancellationToken = default)
    {
        var layout = CheckpointLayout.Discover(path);
        var headers = new ShardHeader[layout.ShardPaths.Count];
        for (var i = 0; i < headers.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            headers[i] = ShardHeaderReader.Read(layout.ShardPaths[i]);
        }

        return new Checkpoint(layout, CheckpointCatalog.Build(layout, headers));
    }

    /// <inheritdoc cref="Open(string, CancellationToken)"/>
    public static Task<Checkpoint> OpenAsync(string path, CancellationToken cancellationToken = default) =>
        Task.Run(() => Open(path, cancellationToken), cancellationToken);

    /// <summary>Looks a tensor up by name.</summary>
    public bool TryGetTensor(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Tensor? tensor) =>
        _byName.TryGetValue(name, out tensor);

    public void Dispose()
    {
        lock (_shardDataLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            for (var i = 0; i < _shardData.Length; i++)
            {
                _shardData[i]?.Dispose();
                _shardData[i] = null;
            }
        }
    }

    /// <summary>The bytes of shard <paramref name="shard"/>, mapped on first use.</summary>
    internal ShardData ShardData(int shard)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var data = Volatile.Read(ref _shardData[shard]);
        if (data is not null)
        {
            return data;
        }

        lock (_shardDataLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var header = _catalog.Shards[shard];
            return _shardData[shard] ??= MappedShardData.Open(header.FilePath, header.FileLength);
        }
    }
}
