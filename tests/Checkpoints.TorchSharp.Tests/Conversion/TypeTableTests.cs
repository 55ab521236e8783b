using System.Runtime.InteropServices;
using Checkpoints.Format;
using Checkpoints.TorchSharp.Tests.TestSupport;
using TorchSharp;
using static TorchSharp.torch;

namespace Checkpoints.TorchSharp.Tests.Conversion;

/// <summary>Every row of the dtype table, through a module whose one buffer "x" has the destination type.</summary>
public sealed class TypeTableTests : IDisposable
{
    private const int Elements = 256;
    private readonly TempCheckpoint _checkpoint = new();

    public void Dispose() => _checkpoint.Dispose();

    public static TheoryData<DType, ScalarType> CopyRows => new()
    {
        { DType.Bool, ScalarType.Bool }, { DType.U8, ScalarType.Byte }, { DType.I8, ScalarType.Int8 },
        { DType.I16, ScalarType.Int16 }, { DType.I32, ScalarType.Int32 }, { DType.I64, ScalarType.Int64 },
        { DType.F16, ScalarType.Float16 }, { DType.BF16, ScalarType.BFloat16 }, { DType.F32, ScalarType.Float32 },
        { DType.F64, ScalarType.Float64 }, { DType.C64, ScalarType.ComplexFloat32 },
    };

    public static TheoryData<DType, ScalarType> FloatRows()
    {
        var rows = new TheoryData<DType, ScalarType>();
        foreach (var from in new[] { DType.F8E4M3, DType.F8E5M2, DType.BF16, DType.F16, DType.F32 })
        {
            foreach (var to in new[] { ScalarType.Float32, ScalarType.Float16, ScalarType.BFloat16, ScalarType.Float64 })
            {
                if (!(from, to).Equals((DType.BF16, ScalarType.BFloat16)) && !(from, to).Equals((DType.F16, ScalarType.Float16))
                    && !(from, to).Equals((DType.F32, ScalarType.Float32)))
                {
                    rows.Add(from, to);
                }
            }
        }

        return rows;
    }

    public static TheoryData<DType, ScalarType> WideningRows => new()
    {
        { DType.U8, ScalarType.Int16 }, { DType.U8, ScalarType.Int32 }, { DType.U8, ScalarType.Int64 },
        { DType.I8, ScalarType.Int16 }, { DType.I8, ScalarType.Int32 }, { DType.I8, ScalarType.Int64 },
        { DType.I16, ScalarType.Int32 }, { DType.I16, ScalarType.Int64 }, { DType.I32, ScalarType.Int64 },
        { DType.U16, ScalarType.Int32 }, { DType.U16, ScalarType.Int64 }, { DType.U32, ScalarType.Int64 },
    };

    public static TheoryData<DType, ScalarType> RefusedRows => new()
    {
        { DType.U64, ScalarType.Int64 }, { DType.F4, ScalarType.Float32 }, { DType.F6E2M3, ScalarType.Float32 },
        { DType.F6E3M2, ScalarType.BFloat16 }, { DType.F8E8M0, ScalarType.Float32 }, { DType.F8E4M3Fnuz, ScalarType.Float32 },
        { DType.F8E5M2Fnuz, ScalarType.Float16 }, { DType.I64, ScalarType.Int32 }, { DType.F64, ScalarType.Float32 },
        { DType.I32, ScalarType.Int16 }, { DType.U8, ScalarType.Int8 }, { DType.I8, ScalarType.Byte },
        { DType.F32, ScalarType.Int32 }, { DType.Bool, ScalarType.Byte }, { DType.C64, ScalarType.Float64 },
        { DType.U16, ScalarType.Int16 }, { DType.I16, ScalarType.Float32 },
    };

    [Theory]
    [MemberData(nameof(CopyRows))]
    public void SameType_IsCopiedByteForByte(DType from, ScalarType to)
    {
        var data = SourceBytes(from);
        using var holder = Load(from, to, data, out var report);

        Assert.Equal(data, holder.X.bytes.ToArray());
        Assert.Empty(report.Conversions);
    }

    [Theory]
    [MemberData(nameof(FloatRows))]
    public void FloatSource_IsConvertedToTheDestinationsFloatType_AsTheReferenceWidening(DType from, ScalarType to)
    {
        var data = SourceBytes(from);
        float[] reference;
        using (var opened = Checkpoint.Open(_checkpoint.Add("x", from, [Elements], data).Write()))
        {
            reference = opened["x"].ToSingleArray();    // the library's own widening
        }

        using var holder = new Holder(to, Elements);
        var report = holder.LoadCheckpoint(_checkpoint.Path);

        var expected = to switch
        {
            ScalarType.Float32 => reference.Select(v => (double)v).ToArray(),
            ScalarType.Float64 => reference.Select(v => (double)v).ToArray(),
            ScalarType.Float16 => reference.Select(v => (double)(Half)v).ToArray(),
            _ => ValuesOf(ReferenceBFloat16(reference)),
        };
        AssertSameValues(expected, ValuesOf(holder.X));
        var conversion = Assert.Single(report.Conversions);
        Assert.Equal(("x", from, to), (conversion.Name, conversion.From, conversion.To));
    }

    [Theory]
    [MemberData(nameof(WideningRows))]
    public void IntegerSource_IsWidenedExactly(DType from, ScalarType to)
    {
        var data = SourceBytes(from);
        using var holder = Load(from, to, data, out var report);

        Assert.Equal(Integers(from, data), ValuesOf(holder.X).Select(v => (long)v));
        Assert.Single(report.Conversions);
    }

    [Theory]
    [MemberData(nameof(RefusedRows))]
    public void NoFaithfulConversion_IsAnError_NamingTensorBothTypesAndWhatToDo(DType from, ScalarType to)
    {
        var path = _checkpoint.Add("layer.x", from, [Elements], SourceBytes(from)).Write();
        using var holder = new Holder(to, Elements);

        var error = Assert.Throws<CheckpointLoadException>(() =>
            holder.LoadCheckpoint(path, new CheckpointLoadOptions { MapKey = _ => "x" }));

        Assert.Equal("layer.x", error.TensorName);
        Assert.StartsWith($"Tensor 'layer.x' is {from.Name()} in the checkpoint but 'x' is {to}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("MapKey returning null", error.Message, StringComparison.Ordinal);
        Assert.All(ValuesOf(holder.X), v => Assert.Equal(0, v));
    }

    private Holder Load(DType from, ScalarType to, byte[] data, out CheckpointLoadReport report)
    {
        var path = _checkpoint.Add("x", from, [Elements], data).Write();
        var holder = new Holder(to, Elements);
        report = holder.LoadCheckpoint(path);
        return holder;
    }

    /// <summary>Every byte value for one-byte types (all 256 F8 codes), random bytes otherwise; booleans 0 or 1.</summary>
    private static byte[] SourceBytes(DType type)
    {
        var length = (int)((long)Elements * type.BitSize() / 8);
        return type switch
        {
            DType.Bool => [.. Enumerable.Range(0, length).Select(i => (byte)(i % 3 == 0 ? 1 : 0))],
            _ when type.ByteSize() == 1 => [.. Enumerable.Range(0, length).Select(i => (byte)i)],
            _ => Bytes.Random(length, (int)type),
        };
    }

    /// <summary>TorchSharp's own rounding of floats to bfloat16, as the reference for the narrowing rows.</summary>
    private static torch.Tensor ReferenceBFloat16(float[] values)
    {
        using var floats = torch.tensor(values);
        return floats.to_type(ScalarType.BFloat16);
    }

    private static double[] ValuesOf(torch.Tensor tensor)
    {
        var bytes = tensor.bytes;
        return tensor.dtype switch
        {
            ScalarType.Float32 => [.. MemoryMarshal.Cast<byte, float>(bytes).ToArray().Select(v => (double)v)],
            ScalarType.Float64 => MemoryMarshal.Cast<byte, double>(bytes).ToArray(),
            ScalarType.Float16 => [.. MemoryMarshal.Cast<byte, Half>(bytes).ToArray().Select(v => (double)v)],
            ScalarType.BFloat16 => [.. MemoryMarshal.Cast<byte, ushort>(bytes).ToArray().Select(v => (double)BitConverter.Int32BitsToSingle(v << 16))],
            ScalarType.Int16 => [.. MemoryMarshal.Cast<byte, short>(bytes).ToArray().Select(v => (double)v)],
            ScalarType.Int32 => [.. MemoryMarshal.Cast<byte, int>(bytes).ToArray().Select(v => (double)v)],
            ScalarType.Int64 => [.. MemoryMarshal.Cast<byte, long>(bytes).ToArray().Select(v => (double)v)],
            _ => [.. bytes.ToArray().Select(v => (double)v)],
        };
    }

    private static long[] Integers(DType type, byte[] data) => type switch
    {
        DType.U8 => [.. data.Select(v => (long)v)],
        DType.I8 => [.. data.Select(v => (long)(sbyte)v)],
        DType.I16 => [.. MemoryMarshal.Cast<byte, short>(data).ToArray().Select(v => (long)v)],
        DType.U16 => [.. MemoryMarshal.Cast<byte, ushort>(data).ToArray().Select(v => (long)v)],
        DType.I32 => [.. MemoryMarshal.Cast<byte, int>(data).ToArray().Select(v => (long)v)],
        DType.U32 => [.. MemoryMarshal.Cast<byte, uint>(data).ToArray().Select(v => (long)v)],
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Equal values, bit for bit through double; any NaN equals any NaN (payloads and signs may differ).</summary>
    private static void AssertSameValues(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            if (!(double.IsNaN(expected[i]) && double.IsNaN(actual[i])) && BitConverter.DoubleToInt64Bits(expected[i]) != BitConverter.DoubleToInt64Bits(actual[i]))
            {
                Assert.Fail($"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
            }
        }
    }
}
