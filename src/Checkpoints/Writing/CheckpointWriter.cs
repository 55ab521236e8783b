using Checkpoints.Files;

namespace Checkpoints.Writing;

/// <summary>
/// Writes safetensors checkpoints: single files, or shards with a <c>model.safetensors.index.json</c>.
/// Data is streamed from each tensor's callback; files appear under their final names only when complete.
/// </summary>
public static class CheckpointWriter
{
    private const int WriteBufferSize = 1 << 20;

    /// <summary>The allocation unit of common local file systems (ext4, xfs, tmpfs), for estimates of space taken.</summary>
    private const int BlockSize = 4096;

    /// <summary>Writes one safetensors file holding <paramref name="tensors"/> in the given order.</summary>
    public static void WriteFile(string path, IReadOnlyList<TensorToWrite> tensors, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        EnsureUniqueNames(tensors);
        var header = HeaderWriter.Build(tensors, metadata);
        WriteAtomically(path, stream =>
        {
            stream.Write(header);
            foreach (var tensor in tensors)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var bounded = new BoundedWriteStream(stream, tensor.Name, tensor.ByteLength, cancellationToken);
                tensor.WriteData(bounded);
                bounded.EnsureComplete();
            }
        });
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> into shards of at most <paramref name="maxShardBytes"/> of tensor data
    /// (a tensor larger than that gets a shard of its own), named <c>model-0000k-of-0000n.safetensors</c>, plus
    /// the index. A checkpoint that fits one shard is written as <c>model.safetensors</c> without an index.
    /// </summary>
    /// <returns>The paths written, shards first.</returns>
    public static IReadOnlyList<string> WriteSharded(string directory, IReadOnlyList<TensorToWrite> tensors, long maxShardBytes,
        IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);
        return WriteShards(directory, SplitBySize(tensors, maxShardBytes), metadata, cancellationToken);
    }

    /// <summary>Writes the given groups of tensors as shards, one file per group, plus the index.</summary>
    public static IReadOnlyList<string> WriteShards(string directory, IReadOnlyList<IReadOnlyList<TensorToWrite>> shards,
        IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        EnsureUniqueNames([.. shards.SelectMany(static shard => shard)]);
        Directory.CreateDirectory(directory);
        if (shards.Count == 1)
        {
            var single = Path.Combine(directory, "model.safetensors");
            WriteFile(single, shards[0], metadata, cancellationToken);
            return [single];
        }

        var written = new List<string>();
        for (var i = 0; i < shards.Count; i++)
        {
            var path = Path.Combine(directory, IndexWriter.ShardName(i, shards.Count));
            WriteFile(path, shards[i], metadata, cancellationToken);
            written.Add(path);
        }

        // Last: until the index is in place, a reader does not take the shards for a checkpoint of their own.
        var indexPath = Path.Combine(directory, CheckpointLayout.StandardIndexName);
        var index = IndexWriter.Build(shards);
        cancellationToken.ThrowIfCancellationRequested();
        WriteAtomically(indexPath, stream => stream.Write(index));
        written.Add(indexPath);
        return written;
    }

    /// <summary>The bytes of the files <see cref="WriteShards"/> writes for these shards: headers, data and index.</summary>
    public static long FileBytes(IReadOnlyList<IReadOnlyList<TensorToWrite>> shards, IReadOnlyDictionary<string, string>? metadata)
    {
        var bytes = shards.Sum(shard => HeaderWriter.Build(shard, metadata).Length + shard.Sum(static tensor => tensor.ByteLength));
        return shards.Count > 1 ? bytes + IndexWriter.Build(shards).Length : bytes;
    }

    /// <summary>
    /// What those files take on disk at most: <see cref="FileBytes"/> with each file's last block counted whole, so a
    /// free-space check made with it errs on the safe side.
    /// </summary>
    public static long PlannedBytes(IReadOnlyList<IReadOnlyList<TensorToWrite>> shards, IReadOnlyDictionary<string, string>? metadata) =>
        FileBytes(shards, metadata) + ((shards.Count + (shards.Count > 1 ? 1 : 0)) * (long)BlockSize);

    internal static IReadOnlyList<IReadOnlyList<TensorToWrite>> SplitBySize(IReadOnlyList<TensorToWrite> tensors, long maxShardBytes)
    {
        var shards = new List<IReadOnlyList<TensorToWrite>>();
        var current = new List<TensorToWrite>();
        long size = 0;
        foreach (var tensor in tensors)
        {
            if (current.Count > 0 && size + tensor.ByteLength > maxShardBytes)
            {
                shards.Add(current);
                current = [];
                size = 0;
            }

            current.Add(tensor);
            size += tensor.ByteLength;
        }

        if (current.Count > 0 || shards.Count == 0)
        {
            shards.Add(current);
        }

        return shards;
    }

    private static void EnsureUniqueNames(IReadOnlyList<TensorToWrite> tensors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tensor in tensors)
        {
            if (!names.Add(tensor.Name))
            {
                throw new ArgumentException($"Two tensors are named '{tensor.Name}'; names must be unique in a checkpoint.", nameof(tensors));
            }
        }
    }

    /// <summary>Writes to a temporary file beside <paramref name="path"/> and renames it into place, so a crash never leaves a partial file under the real name.</summary>
    private static void WriteAtomically(string path, Action<Stream> write)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.partial");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, WriteBufferSize))
            {
                write(stream);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
