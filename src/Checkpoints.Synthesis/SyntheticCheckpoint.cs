using Checkpoints.Format;
using Checkpoints.Writing;


namespace Checkpoints.Synthesis;

/// <summary>Writes a Llama-shaped checkpoint of about a requested size, with deterministic pseudo-random weights.</summary>
public static class SyntheticCheckpoint
{
    public const ulong DefaultSeed = 0x5EED;

    /// <summary>The header metadata of every synthetic shard.</summary>
    public static IReadOnlyDictionary<string, string> Metadata { get; } = new Dictionary<string, string> { ["format"] = "pt" };

    /// <summary>The smallest size a Llama-shaped checkpoint of <paramref name="dtype"/> can have (one layer of width 64).</summary>
    public static long MinimumBytes(DType dtype) => LlamaShape.MinimumElements * BytesPerElement(dtype);

    /// <summary>The largest size this shapes (the tensor count, and so the headers, stays within the format's limits).</summary>
    public static long MaximumBytes(DType dtype) => LlamaShape.MaximumElements * BytesPerElement(dtype);

    /// <summary>
    /// The tensors a checkpoint of <paramref name="targetBytes"/> holds, data callbacks included: their data comes
    /// within 1% of the target (short of it by less than two rows of the embedding), between <see cref="MinimumBytes"/> and <see cref="MaximumBytes"/>.
    /// </summary>
    public static IReadOnlyList<TensorToWrite> Plan(long targetBytes, DType dtype, ulong seed = DefaultSeed)
    {
        var bytesPerElement = BytesPerElement(dtype);
        var shape = LlamaShape.ForElementCount(targetBytes / bytesPerElement)
            ?? throw new ArgumentOutOfRangeException(nameof(targetBytes), targetBytes,
                $"A Llama-shaped {dtype.Name()} checkpoint has between {MinimumBytes(dtype)} and {MaximumBytes(dtype)} bytes.");
        return [.. shape.Tensors().Select(tensor => new TensorToWrite(tensor.Name, dtype, tensor.Shape,
            stream => PseudoRandomData.Write(stream, tensor.Name, dtype, ByteLength(tensor.Shape, bytesPerElement), seed)))];
    }

    /// <summary>
    /// The smallest size whose files <see cref="Shards"/> brings within 1%: the smallest model's data and room for
    /// headers and index, in whole KiB.
    /// </summary>
    public static long MinimumFileBytes(DType dtype) => (MinimumBytes(dtype) + (16 << 10) + 1023) / 1024 * 1024;

    /// <summary>
    /// A checkpoint whose files (headers and index included) come to about <paramref name="targetBytes"/>, in
    /// <paramref name="shardCount"/> shards of similar size: the data is planned for what headers and index leave.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<TensorToWrite>> Shards(long targetBytes, int shardCount, DType dtype, ulong seed = DefaultSeed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shardCount);
        var shards = Split(Plan(targetBytes, dtype, seed), shardCount);
        // Twice: the first plan's headers describe a few tensors more or less than the final one's.
        for (var i = 0; i < 2; i++)
        {
            var overhead = CheckpointWriter.FileBytes(shards, Metadata) - shards.Sum(static shard => shard.Sum(static tensor => tensor.ByteLength));
            shards = Split(Plan(Math.Max(targetBytes - overhead, MinimumBytes(dtype)), dtype, seed), shardCount);
        }

        return shards;
    }

    /// <summary>Writes the checkpoint into <paramref name="directory"/> as <paramref name="shardCount"/> shards of similar size.</summary>
    public static IReadOnlyList<string> Write(string directory, long targetBytes, int shardCount, DType dtype, ulong seed = DefaultSeed, CancellationToken cancellationToken = default) =>
        CheckpointWriter.WriteShards(directory, Shards(targetBytes, shardCount, dtype, seed), Metadata, cancellationToken);

    private static IReadOnlyList<IReadOnlyList<TensorToWrite>> Split(IReadOnlyList<TensorToWrite> tensors, int shardCount) => shardCount <= tensors.Count
        ? SplitEvenly(tensors, shardCount)
        : throw new ArgumentException($"A checkpoint of this size has {tensors.Count} tensors; it cannot be split into {shardCount} shards.", nameof(shardCount));

    /// <summary>Contiguous groups whose byte sizes are as even as tensor boundaries allow; none is empty.</summary>
    public static IReadOnlyList<IReadOnlyList<TensorToWrite>> SplitEvenly(IReadOnlyList<TensorToWrite> tensors, int count)
    {
        var total = tensors.Sum(static tensor => tensor.ByteLength);
        var groups = new List<IReadOnlyList<TensorToWrite>>(count);
        var current = new List<TensorToWrite>();
        long written = 0;
        for (var i = 0; i < tensors.Count; i++)
        {
            current.Add(tensors[i]);
            written += tensors[i].ByteLength;
            var groupsLeft = count - groups.Count - 1;
            var tensorsLeft = tensors.Count - i - 1;
            var boundary = (double)total * (groups.Count + 1) / count;
            // Close the group at its share of the bytes, or when every remaining tensor is needed for a group of its own.
            if (groupsLeft > 0 && (written >= boundary || tensorsLeft == groupsLeft))
            {
                groups.Add(current);
                current = [];
            }
        }

        groups.Add(current);
        return groups;
    }

    private static int BytesPerElement(DType dtype) => dtype.ByteSize() is > 0 and var size
        ? size
        : throw new ArgumentException($"Synthetic checkpoints use whole-byte dtypes; {dtype.Name()} packs several elements per byte.", nameof(dtype));

    private static long ByteLength(long[] shape, int bytesPerElement) => shape.Aggregate(1L, static (a, b) => a * b) * bytesPerElement;
}
