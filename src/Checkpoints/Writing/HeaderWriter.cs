using System.Buffers;
using System.Text.Json;
using Checkpoints.Format;

namespace Checkpoints.Writing;

/// <summary>Builds a safetensors header the way the reference writer does: metadata first, then tensors in data order, space-padded.</summary>
internal static class HeaderWriter
{
    /// <summary>The 8-byte prefix and the JSON header, padded so the data starts at a multiple of 8.</summary>
    public static byte[] Build(IReadOnlyList<TensorToWrite> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Indented = false, SkipValidation = false }))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(SafetensorsLayout.MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(static pair => pair.Key, StringComparer.Ordinal))
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            long offset = 0;
            foreach (var tensor in tensors)
            {
                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", tensor.DType.Name());
                writer.WriteStartArray("shape");
                foreach (var dimension in tensor.Shape)
                {
                    writer.WriteNumberValue(dimension);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + tensor.ByteLength);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += tensor.ByteLength;
            }

            writer.WriteEndObject();
        }

        var padding = (SafetensorsLayout.DataAlignment - (json.WrittenCount % SafetensorsLayout.DataAlignment)) % SafetensorsLayout.DataAlignment;
        var header = new byte[SafetensorsLayout.PrefixLength + json.WrittenCount + padding];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)(json.WrittenCount + padding));
        json.WrittenSpan.CopyTo(header.AsSpan(SafetensorsLayout.PrefixLength));
        header.AsSpan(SafetensorsLayout.PrefixLength + json.WrittenCount).Fill((byte)' ');
        return header;
    }
}
