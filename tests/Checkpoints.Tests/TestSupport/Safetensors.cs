using System.Buffers.Binary;
using System.Text;
using Checkpoints.Format;

namespace Checkpoints.Tests.TestSupport;

/// <summary>Builds safetensors bytes by hand, so tests can break any rule on purpose.</summary>
internal static class Safetensors
{
    /// <summary>[u64 length][header as written][data]; the length prefix is the header's byte count unless overridden.</summary>
    public static byte[] Raw(string header, byte[]? data = null, ulong? declaredLength = null)
    {
        var json = Encoding.UTF8.GetBytes(header);
        return Raw(json, data, declaredLength);
    }

    public static byte[] Raw(byte[] json, byte[]? data = null, ulong? declaredLength = null)
    {
        data ??= [];
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }

    /// <summary>A header with one tensor entry per (name, dtype, shape, begin, end), and the data length implied by the last end.</summary>
    public static byte[] WithTensors(params (string Name, string DType, string Shape, long Begin, long End)[] tensors)
    {
        var entries = tensors.Select(t => $"\"{t.Name}\":{{\"dtype\":\"{t.DType}\",\"shape\":{t.Shape},\"data_offsets\":[{t.Begin},{t.End}]}}");
        var dataLength = tensors.Length == 0 ? 0 : tensors.Max(t => t.End);
        return Raw("{" + string.Join(",", entries) + "}", Pattern((int)dataLength));
    }

    /// <summary>Bytes 0, 1, 2, ... so every position is recognisable.</summary>
    public static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)(i * 7);
        }

        return bytes;
    }
}
