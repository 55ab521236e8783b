namespace Checkpoints.Format;

/// <summary>
/// The parsed and validated header of one safetensors file: its tensors in data order, its metadata,
/// and where the data section starts.
/// </summary>
internal sealed class ShardHeader
{
    public ShardHeader(string filePath, long fileLength, long headerLength, IReadOnlyList<TensorEntry> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        FilePath = filePath;
        FileLength = fileLength;
        HeaderLength = headerLength;
        Tensors = tensors;
        Metadata = metadata;
    }

    public string FilePath { get; }

    public long FileLength { get; }

    /// <summary>N, the JSON header's length as the 8-byte prefix states it.</summary>
    public long HeaderLength { get; }

    /// <summary>Absolute file offset of the first data byte: 8 + N.</summary>
    public long DataStart => SafetensorsLayout.PrefixLength + HeaderLength;

    public long DataLength => FileLength - DataStart;

    /// <summary>Tensors sorted by their data offsets.</summary>
    public IReadOnlyList<TensorEntry> Tensors { get; }

    /// <summary>The <c>__metadata__</c> strings, or null when the header has none (or says <c>null</c>).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; }
}
