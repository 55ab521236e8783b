using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Checkpoints.Format;

/// <summary>Widening of the reduced-precision float dtypes to <see cref="float"/>.</summary>
internal static class FloatConversion
{
    private static readonly float[] E4M3Table = BuildTable(DecodeE4M3);
    private static readonly float[] E5M2Table = BuildTable(DecodeE5M2);

    public static bool CanConvert(DType type) => type is DType.F32 or DType.F16 or DType.BF16 or DType.F8E4M3 or DType.F8E5M2;

    /// <summary>Converts <paramref name="source"/> (raw little-endian elements of <paramref name="type"/>) into <paramref name="destination"/>.</summary>
    public static void ToSingle(DType type, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (type)
        {
            case DType.F32:
                MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                break;
            case DType.F16:
                // MemoryMarshal.Cast does not require alignment; the vector loads in TensorPrimitives are unaligned.
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination);
                break;
            case DType.BF16:
                BFloat16ToSingle(MemoryMarshal.Cast<byte, ushort>(source), destination);
                break;
            case DType.F8E4M3:
                Lookup(E4M3Table, source, destination);
                break;
            case DType.F8E5M2:
                Lookup(E5M2Table, source, destination);
                break;
            default:
                throw new NotSupportedException($"Conversion from {type.Name()} to float is not supported; read the raw bytes instead.");
        }
    }

    /// <summary>bfloat16 is the upper half of an IEEE single: widen each element and shift it into place.</summary>
    private static void BFloat16ToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var src = ref MemoryMarshal.GetReference(source);
            var output = MemoryMarshal.Cast<float, uint>(destination);
            for (; i <= source.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var packed = Vector256.LoadUnsafe(ref src, (nuint)i);
                var (lower, upper) = Vector256.Widen(packed);
                (lower << 16).CopyTo(output[i..]);
                (upper << 16).CopyTo(output[(i + Vector256<uint>.Count)..]);
            }
        }

        for (; i < source.Length; i++)
        {
            destination[i] = BitConverter.Int32BitsToSingle(source[i] << 16);
        }
    }

    private static void Lookup(float[] table, ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (var i = 0; i < source.Length; i++)
        {
            destination[i] = table[source[i]];
        }
    }

    private static float[] BuildTable(Func<byte, float> decode)
    {
        var table = new float[256];
        for (var i = 0; i < table.Length; i++)
        {
            table[i] = decode((byte)i);
        }

        return table;
    }

    /// <summary>OCP E4M3FN: bias 7, no infinities, S.1111.111 is NaN, largest finite 448.</summary>
    internal static float DecodeE4M3(byte bits)
    {
        var sign = (bits & 0x80) != 0 ? -1f : 1f;
        var exponent = (bits >> 3) & 0xF;
        var mantissa = bits & 0x7;
        if (exponent == 0xF && mantissa == 0x7)
        {
            return float.NaN;
        }

        return exponent == 0
            ? sign * mantissa / 8f * MathF.Pow(2, -6)
            : sign * (1 + (mantissa / 8f)) * MathF.Pow(2, exponent - 7);
    }

    /// <summary>OCP E5M2: bias 15, IEEE-like with infinities and NaNs, the upper byte of an F16.</summary>
    internal static float DecodeE5M2(byte bits) => (float)BitConverter.UInt16BitsToHalf((ushort)(bits << 8));
}
