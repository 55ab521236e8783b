using Checkpoints.Format;


namespace Checkpoints;

/// <summary>One file of a checkpoint, as its header describes it.</summary>
public sealed class CheckpointShard
{
    internal CheckpointShard(ShardHeader header)
    {
        Path = header.FilePath;
        FileLength = header.FileLength;
        HeaderLength = header.HeaderLength;
        TensorCount = header.Tensors.Count;
        Metadata = header.Metadata ?? new Dictionary<string, string>();
    }

    /// <summary>Full path of the file.</summary>
    public string Path { get; }

    /// <summary>Size of the file in bytes.</summary>
    public long FileLength { get; }

    /// <summary>Length of the JSON header in bytes (the N of the 8-byte prefix).</summary>
    public long HeaderLength { get; }

    /// <summary>Absolute offset of the first tensor byte.</summary>
    public long DataOffset => SafetensorsLayout.PrefixLength + HeaderLength;

    /// <summary>How many tensors the header declares.</summary>
    public int TensorCount { get; }

    /// <summary>The file's <c>__metadata__</c> strings (empty when it has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }
}
