using System.Buffers.Binary;
using System.Text;
using Checkpoints.Format;
using Checkpoints.Writing;

namespace Checkpoints.Tests.Format;

internal sealed record MutationSeed(string Name, byte[] Bytes);

/// <summary>Valid files the mutation tests start from: written by <see cref="CheckpointWriter"/>, or crafted byte by byte.</summary>
internal static class MutationSeeds
{
    public static IReadOnlyList<MutationSeed> All(string directory) =>
    [
        Written(directory, "mixed", Mixed(), new Dictionary<string, string> { ["format"] = "pt", ["note"] = "caf\u00e9 \u2603 \"quoted\"" }),
        Written(directory, "single", [Tensor("weight", DType.F32, [2, 2])], metadata: null),
        Written(directory, "empty", [], metadata: null),
        Written(directory, "metadata-only", [], new Dictionary<string, string> { ["format"] = "mlx" }),
        Written(directory, "many", [.. Enumerable.Range(0, 24).Select(static i => Tensor($"model.layers.{i}.mlp.weight", (i % 3) switch { 0 => DType.BF16, 1 => DType.F8E4M3, _ => DType.I32 }, [i % 4, 2]))], metadata: null),
        Crafted("unpadded",
            """{"a":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"b":{"dtype":"F32","shape":[1],"data_offsets":[6,10]},"c":{"dtype":"BF16","shape":[3],"data_offsets":[10,16]}}""",
            dataLength: 16),
        Crafted("pretty",
            "{\n  \"__metadata__\": null,\n  \"t\": {\n    \"dtype\": \"I32\",\n    \"extra\": [[{\"k\": [1, 2.5, null, true]}]],\n    \"shape\": [1, 1],\n    \"data_offsets\": [0, 4]\n  },\n  \"z\": {\"data_offsets\": [4, 5], \"shape\": [], \"dtype\": \"F8_E5M2\"}\n}",
            dataLength: 5),
    ];

    private static TensorToWrite[] Mixed() =>
    [
        Tensor("embed.weight", DType.BF16, [4, 3]),
        Tensor("norm.weight", DType.F16, [5]),
        Tensor("proj.weight", DType.F32, [2, 3]),
        Tensor("scale.e4m3", DType.F8E4M3, [7]),
        Tensor("scale.e5m2", DType.F8E5M2, [2, 3]),
        Tensor("scale.e8m0", DType.F8E8M0, [3]),
        Tensor("packed.f4", DType.F4, [2, 3]),
        Tensor("packed.f6", DType.F6E2M3, [4]),
        Tensor("step", DType.I64, []),
        Tensor("flag", DType.Bool, [1]),
        Tensor("complex", DType.C64, [1]),
        Tensor("empty", DType.U8, [0]),
        Tensor("empty.wide", DType.F64, [3, 0, 2]),
        Tensor("ids", DType.U16, [3]),
    ];

    private static TensorToWrite Tensor(string name, DType dtype, long[] shape)
    {
        // The byte length TensorToWrite computes, filled with a ramp so that data mutations change values.
        var length = new TensorToWrite(name, dtype, shape, static _ => { }).ByteLength;
        var data = new byte[length];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (byte)((i * 37) + name.Length);
        }

        return TensorToWrite.FromBytes(name, dtype, shape, data);
    }

    private static MutationSeed Written(string directory, string name, TensorToWrite[] tensors, Dictionary<string, string>? metadata)
    {
        var path = Path.Combine(directory, $"seed-{name}.safetensors");
        CheckpointWriter.WriteFile(path, tensors, metadata);
        return new(name, File.ReadAllBytes(path));
    }

    /// <summary>A file with exactly this header (no padding, so the data may start misaligned) and a ramp of data.</summary>
    private static MutationSeed Crafted(string name, string header, int dataLength)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataLength];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        for (var i = 0; i < dataLength; i++)
        {
            bytes[8 + json.Length + i] = (byte)(i * 29);
        }

        return new(name, bytes);
    }
}
