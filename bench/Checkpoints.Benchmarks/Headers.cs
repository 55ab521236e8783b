using System.Buffers.Binary;
using System.Text;

namespace Checkpoints.Benchmarks;

/// <summary>Safetensors files built in memory for the benchmarks: U8 [1] tensors, so the data is one byte each.</summary>
internal static class Headers
{
    /// <summary>A file of <paramref name="count"/> one-byte tensors named <c>model.layers.{i}.{suffix}</c>.</summary>
    public static byte[] File(int count, string nameSuffix = "weight", string? metadataValue = null)
    {
        var json = new StringBuilder();
        json.Append('{');
        if (metadataValue is not null)
        {
            json.Append("\"__metadata__\":{\"format\":\"pt\",\"blob\":\"").Append(metadataValue).Append("\"}");
        }

        for (var i = 0; i < count; i++)
        {
            if (i > 0 || metadataValue is not null)
            {
                json.Append(',');
            }

            json.Append("\"model.layers.").Append(i).Append('.').Append(nameSuffix)
                .Append("\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[").Append(i).Append(',').Append(i + 1).Append("]}");
        }

        json.Append('}');
        while ((json.Length % 8) != 0)
        {
            json.Append(' ');
        }

        var header = Encoding.UTF8.GetBytes(json.ToString());
        var bytes = new byte[8 + header.Length + count];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        return bytes;
    }
}
