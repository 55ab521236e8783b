using Checkpoints.Files;
using Checkpoints.Units;


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

    /// <summary>
    /// Writes a whole checkpoint into <paramref name="directory"/> so that the directory never holds a mix of an old and
    /// a new checkpoint, nor a new one in part: it is written beside its destination and put in place in one rename
    /// (an empty directory is written in place, keeping its mode and owner). A directory holding a checkpoint is
    /// replaced only when <paramref name="replace"/> is set, and then only the old checkpoint's files are deleted; one
    /// holding other files is refused. The free space is checked first. On failure or cancellation what was written is
    /// removed.
    /// </summary>
    /// <param name="directory">The destination; created when missing. A symbolic link to a directory stays; its target is written.</param>
    /// <param name="shards">The tensors of each shard; one group writes a single <c>model.safetensors</c>.</param>
    /// <param name="metadata">The <c>__metadata__</c> of every shard.</param>
    /// <param name="replace">Whether a checkpoint already in the directory may be replaced.</param>
    /// <param name="cancellationToken">Stops the write between (and inside) tensors.</param>
    /// <returns>The paths written, shards first.</returns>
    /// <exception cref="OutputDirectoryException">The directory cannot take the checkpoint; nothing was written.</exception>
    /// <exception cref="IOException">Writing failed; the message names the file.</exception>
    public static IReadOnlyList<string> WriteDirectory(string directory, IReadOnlyList<IReadOnlyList<TensorToWrite>> shards,
        IReadOnlyDictionary<string, string>? metadata = null, bool replace = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shards);
        var needed = PlannedBytes(shards, metadata);
        if (FreeSpace.Available(directory) is { } free && free < needed)
        {
            var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
            throw new OutputDirectoryException(full, OutputDirectoryProblem.NotEnoughSpace,
                $"{full}: the checkpoint needs {ByteSize.Format(needed)} but the file system has {ByteSize.Format(free)} free: write a smaller checkpoint, or choose another directory",
                neededBytes: needed, freeBytes: free);
        }

        return StagedDirectoryWrite.Run(directory, replace, staging => WriteShards(staging, shards, metadata, cancellationToken), cancellationToken);
    }

    /// <summary>Writes the given groups of tensors as shards, one file per group, plus the index.</summary>
    public static IReadOnlyList<string> WriteShards(string directory, IReadOnlyList<IReadOnlyList<TensorToWrite>> shards,
        IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
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
    internal static long PlannedBytes(IReadOnlyList<IReadOnlyList<TensorToWrite>> shards, IReadOnlyDictionary<string, string>? metadata) =>
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
