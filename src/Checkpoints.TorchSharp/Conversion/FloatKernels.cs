using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Checkpoints.Format;
using static TorchSharp.torch;

namespace Checkpoints.TorchSharp.Conversion;

/// <summary>
/// Conversions between the float dtypes: the common widenings in one vectorized pass, every other pair through a small
/// <see cref="float"/> buffer on the stack (exact for every source here: F8, BF16 and F16 values are all floats).
/// Narrowing to Float16 and BFloat16 rounds to nearest even, as <c>Tensor.to</c> does.
/// </summary>
internal static class FloatKernels
{
    private const int BufferElements = 4096;

    public static bool IsFloatSource(DType type) => type is DType.F32 or DType.F16 or DType.BF16 or DType.F8E4M3 or DType.F8E5M2;

    public static bool IsFloatTarget(ScalarType type) => type is ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float64;

    public static ElementKernel For(DType from, ScalarType to) => (from, to) switch
    {
        (DType.BF16, ScalarType.Float32) => static (source, destination) =>
            BFloat16ToSingle(MemoryMarshal.Cast<byte, ushort>(source), MemoryMarshal.Cast<byte, uint>(destination)),
        (DType.F16, ScalarType.Float32) => static (source, destination) =>
            TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), MemoryMarshal.Cast<byte, float>(destination)),
        (DType.F32, _) => (source, destination) => FromSingle(to, MemoryMarshal.Cast<byte, float>(source), destination),
        _ => (source, destination) => ViaSingle(from, to, source, destination),
    };

    private static void ViaSingle(DType from, ScalarType to, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        Span<float> buffer = stackalloc float[BufferElements];
        var sourceSize = from.ByteSize();
        var targetSize = TypeTable.ElementSize(to);
        var count = source.Length / sourceSize;
        for (var done = 0; done < count; done += BufferElements)
        {
            var n = Math.Min(BufferElements, count - done);
            ToSingle(from, source.Slice(done * sourceSize, n * sourceSize), buffer[..n]);
            FromSingle(to, buffer[..n], destination.Slice(done * targetSize, n * targetSize));
        }
    }

    private static void ToSingle(DType from, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (from)
        {
            case DType.F16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination);
                break;
            case DType.BF16:
                BFloat16ToSingle(MemoryMarshal.Cast<byte, ushort>(source), MemoryMarshal.Cast<float, uint>(destination));
                break;
            case DType.F8E4M3:
                Float8.ToSingle(Float8.E4M3, source, destination);
                break;
            case DType.F8E5M2:
                Float8.ToSingle(Float8.E5M2, source, destination);
                break;
            default:
                throw new InvalidOperationException($"{from.Name()} is no float source.");
        }
    }

    private static void FromSingle(ScalarType to, ReadOnlySpan<float> source, Span<byte> destination)
    {
        switch (to)
        {
            case ScalarType.Float32:
                MemoryMarshal.AsBytes(source).CopyTo(destination);
                break;
            case ScalarType.Float64:
                TensorPrimitives.ConvertChecked(source, MemoryMarshal.Cast<byte, double>(destination));
                break;
            case ScalarType.Float16:
                TensorPrimitives.ConvertToHalf(source, MemoryMarshal.Cast<byte, Half>(destination));
                break;
            case ScalarType.BFloat16:
                SingleToBFloat16(source, MemoryMarshal.Cast<byte, ushort>(destination));
                break;
            default:
                throw new InvalidOperationException($"{to} is no float target.");
        }
    }

    /// <summary>bfloat16 is the upper half of an IEEE single: widen each element and shift it into place.</summary>
    private static void BFloat16ToSingle(ReadOnlySpan<ushort> source, Span<uint> destination)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var src = ref MemoryMarshal.GetReference(source);
            for (; i <= source.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref src, (nuint)i));
                (lower << 16).CopyTo(destination[i..]);
                (upper << 16).CopyTo(destination[(i + Vector256<uint>.Count)..]);
            }
        }

        for (; i < source.Length; i++)
        {
            destination[i] = (uint)source[i] << 16;
        }
    }

    /// <summary>Round to nearest even on the 16 bits dropped; a NaN stays a (quiet) NaN rather than rounding to infinity.</summary>
    private static void SingleToBFloat16(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        for (var i = 0; i < source.Length; i++)
        {
            var bits = BitConverter.SingleToUInt32Bits(source[i]);
            destination[i] = float.IsNaN(source[i])
                ? (ushort)((bits >> 16) | 0x40)
                : (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
        }
    }
}
