using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Checkpoints.Format;
using static TorchSharp.torch;

namespace Checkpoints.TorchSharp.Conversion;

/// <summary>
/// Exact integer widenings: every value of the source type is a value of the target type (U16 and U32 have no
/// TorchSharp type, so they land in the next wider signed one). Narrowing or signed-to-unsigned is never done.
/// </summary>
internal static class IntegerKernels
{
    public static ElementKernel? For(DType from, ScalarType to) => (from, to) switch
    {
        (DType.U8, ScalarType.Int16) => Widen<byte, short>,
        (DType.U8, ScalarType.Int32) => Widen<byte, int>,
        (DType.U8, ScalarType.Int64) => Widen<byte, long>,
        (DType.I8, ScalarType.Int16) => Widen<sbyte, short>,
        (DType.I8, ScalarType.Int32) => Widen<sbyte, int>,
        (DType.I8, ScalarType.Int64) => Widen<sbyte, long>,
        (DType.I16, ScalarType.Int32) => Widen<short, int>,
        (DType.I16, ScalarType.Int64) => Widen<short, long>,
        (DType.I32, ScalarType.Int64) => Widen<int, long>,
        (DType.U16, ScalarType.Int32) => Widen<ushort, int>,
        (DType.U16, ScalarType.Int64) => Widen<ushort, long>,
        (DType.U32, ScalarType.Int64) => Widen<uint, long>,
        _ => null,
    };

    private static void Widen<TFrom, TTo>(ReadOnlySpan<byte> source, Span<byte> destination)
        where TFrom : unmanaged, INumberBase<TFrom>
        where TTo : unmanaged, INumberBase<TTo> =>
        TensorPrimitives.ConvertChecked(MemoryMarshal.Cast<byte, TFrom>(source), MemoryMarshal.Cast<byte, TTo>(destination));
}
