using Checkpoints.Format;
using static TorchSharp.torch;

namespace Checkpoints.TorchSharp.Conversion;

/// <summary>
/// Which checkpoint dtype may land in which TorchSharp type, and how: the same type is a byte copy, a float type the
/// destination asks for is a conversion, an integer type that holds every value is a widening; nothing else.
/// </summary>
internal static class TypeTable
{
    /// <summary>The TorchSharp type with the same bits, for the dtypes that have one.</summary>
    public static ScalarType? Natural(DType type) => type switch
    {
        DType.Bool => ScalarType.Bool,
        DType.U8 => ScalarType.Byte,
        DType.I8 => ScalarType.Int8,
        DType.I16 => ScalarType.Int16,
        DType.I32 => ScalarType.Int32,
        DType.I64 => ScalarType.Int64,
        DType.F16 => ScalarType.Float16,
        DType.BF16 => ScalarType.BFloat16,
        DType.F32 => ScalarType.Float32,
        DType.F64 => ScalarType.Float64,
        DType.C64 => ScalarType.ComplexFloat32,
        _ => null,
    };

    /// <summary>
    /// The type a new tensor gets in the state-dict form: the natural one, else the narrowest that holds every value
    /// (F8 in Float32, U16 in Int32, U32 in Int64); <paramref name="floatType"/>, when set, for every float dtype.
    /// </summary>
    public static ScalarType? ForNewTensor(DType type, ScalarType? floatType)
    {
        if (floatType is { } chosen && FloatKernels.IsFloatSource(type))
        {
            return chosen;
        }

        return Natural(type) ?? type switch
        {
            DType.F8E4M3 or DType.F8E5M2 => ScalarType.Float32,
            DType.U16 => ScalarType.Int32,
            DType.U32 => ScalarType.Int64,
            _ => null,
        };
    }

    /// <summary>How elements of <paramref name="from"/> become elements of <paramref name="to"/>, or null with the reason.</summary>
    public static ElementKernel? Kernel(DType from, ScalarType to, out string? refusal)
    {
        refusal = null;
        if (Natural(from) == to)
        {
            return static (source, destination) => source.CopyTo(destination);
        }

        if (FloatKernels.IsFloatSource(from) && FloatKernels.IsFloatTarget(to))
        {
            return FloatKernels.For(from, to);
        }

        if (IntegerKernels.For(from, to) is { } widening)
        {
            return widening;
        }

        refusal = Refusal(from, to);
        return null;
    }

    public static int ElementSize(ScalarType type) => type switch
    {
        ScalarType.Bool or ScalarType.Byte or ScalarType.Int8 => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        ScalarType.Int64 or ScalarType.Float64 or ScalarType.ComplexFloat32 => 8,
        ScalarType.ComplexFloat64 => 16,
        _ => throw new NotSupportedException($"{type} is not a type this package writes."),
    };

    /// <summary>The types <paramref name="from"/> can be loaded into, for messages.</summary>
    public static IReadOnlyList<ScalarType> Targets(DType from) =>
        [.. Enum.GetValues<ScalarType>().Where(to => IsWritable(to) && (Natural(from) == to
            || (FloatKernels.IsFloatSource(from) && FloatKernels.IsFloatTarget(to))
            || IntegerKernels.For(from, to) is not null))];

    private static bool IsWritable(ScalarType type) =>
        type is not (ScalarType.QInt8 or ScalarType.QUInt8 or ScalarType.QInt32) && Enum.IsDefined(type);

    private static string Refusal(DType from, ScalarType to)
    {
        var why = from switch
        {
            DType.U64 => "TorchSharp has no unsigned 64-bit type and Int64 cannot hold values of 2^63 and above",
            DType.F4 or DType.F6E2M3 or DType.F6E3M2 or DType.F8E8M0 or DType.F8E4M3Fnuz or DType.F8E5M2Fnuz =>
                $"TorchSharp has no {from.Name()} type and this package does not convert it (a scaled format needs its scales, which live in other tensors)",
            _ => $"{from.Name()} does not convert faithfully to {to} (it would lose or change values)",
        };
        var targets = Targets(from);
        var what = targets.Count > 0
            ? $"give the parameter one of the types {string.Join(", ", targets)}, convert the checkpoint ahead of time, or skip the tensor with MapKey returning null"
            : "convert the checkpoint ahead of time, or skip the tensor with MapKey returning null";
        return $"{why}; {what}";
    }
}
