using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Checkpoints.Writing;

/// <summary>Builds the <c>model.safetensors.index.json</c> of a sharded checkpoint, and names its shards, as Hugging Face does.</summary>
internal static class IndexWriter
{
    public static string ShardName(int index, int count) =>
        string.Create(CultureInfo.InvariantCulture, $"model-{index + 1:00000}-of-{count:00000}.safetensors");

    /// <summary>The index's bytes: the total data size and which shard holds each tensor, tensors in ordinal order.</summary>
    public static byte[] Build(IReadOnlyList<IReadOnlyList<TensorToWrite>> shards)
    {
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < shards.Count; i++)
        {
            foreach (var tensor in shards[i])
            {
                weightMap[tensor.Name] = ShardName(i, shards.Count);
            }
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartObject("metadata");
            json.WriteNumber("total_size", shards.Sum(static shard => shard.Sum(static tensor => tensor.ByteLength)));
            json.WriteEndObject();
            json.WriteStartObject("weight_map");
            foreach (var (tensor, shard) in weightMap)
            {
                json.WriteString(tensor, shard);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
