using System.Text.Json.Serialization;
using Checkpoints.Format;

namespace Checkpoints.Cli.Output;

/// <summary><c>ckpt inspect --json</c>: shards, tensors and metadata, as the headers give them.</summary>
internal sealed record InspectDocument(
    string Path,
    string? Index,
    int TensorCount,
    long TotalTensorBytes,
    IReadOnlyList<InspectShardJson> Shards,
    IReadOnlyList<InspectTensorJson> Tensors,
    IReadOnlyList<string> Warnings)
{
    /// <summary>The document for <paramref name="checkpoint"/>, with <paramref name="hashes"/> (SHA-256 by tensor name) when --hash was given.</summary>
    public static InspectDocument From(Checkpoint checkpoint, IReadOnlyDictionary<string, string>? hashes) => new(
        checkpoint.SourcePath,
        checkpoint.IndexPath,
        checkpoint.Tensors.Count,
        checkpoint.TotalTensorBytes,
        [.. checkpoint.Shards.Select(InspectShardJson.From)],
        [.. checkpoint.Tensors.Select(tensor => InspectTensorJson.From(checkpoint, tensor, hashes?[tensor.Name]))],
        checkpoint.Warnings);
}

internal sealed record InspectShardJson(
    string Path,
    long FileLength,
    long HeaderLength,
    long DataOffset,
    int TensorCount,
    IReadOnlyDictionary<string, string> Metadata)
{
    public static InspectShardJson From(CheckpointShard shard) =>
        new(shard.Path, shard.FileLength, shard.HeaderLength, shard.DataOffset, shard.TensorCount, shard.Metadata);
}

/// <summary>
/// One tensor. Its data offsets are relative to the shard's data section, as the header spells them. The SHA-256 is
/// left out, not null, without --hash: no hash was asked for, which is not the same as an unknown one.
/// </summary>
internal sealed record InspectTensorJson(
    string Name,
    [property: JsonPropertyName("dtype")] string DType,
    IReadOnlyList<long> Shape,
    long ByteLength,
    int Shard,
    long FileOffset,
    IReadOnlyList<long> DataOffsets,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Sha256)
{
    public static InspectTensorJson From(Checkpoint checkpoint, Tensor tensor, string? sha256)
    {
        var begin = tensor.FileOffset - checkpoint.Shards[tensor.ShardIndex].DataOffset;
        return new(tensor.Name, tensor.DType.Name(), tensor.Shape, tensor.ByteLength, tensor.ShardIndex, tensor.FileOffset,
            [begin, begin + tensor.ByteLength], sha256);
    }
}
