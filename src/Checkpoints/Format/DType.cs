namespace Checkpoints.Format;

/// <summary>
/// The element types a safetensors file can declare, named as in the format (<c>BF16</c>, <c>F8_E4M3</c>, ...).
/// </summary>
public enum DType
{
    /// <summary>Boolean, one byte per element.</summary>
    Bool,

    /// <summary>Unsigned 8-bit integer.</summary>
    U8,

    /// <summary>Signed 8-bit integer.</summary>
    I8,

    /// <summary>Unsigned 16-bit integer.</summary>
    U16,

    /// <summary>Signed 16-bit integer.</summary>
    I16,

    /// <summary>IEEE 754 half precision.</summary>
    F16,

    /// <summary>bfloat16: the upper half of an IEEE single.</summary>
    BF16,

    /// <summary>Unsigned 32-bit integer.</summary>
    U32,

    /// <summary>Signed 32-bit integer.</summary>
    I32,

    /// <summary>IEEE 754 single precision.</summary>
    F32,

    /// <summary>Unsigned 64-bit integer.</summary>
    U64,

    /// <summary>Signed 64-bit integer.</summary>
    I64,

    /// <summary>IEEE 754 double precision.</summary>
    F64,

    /// <summary>Complex number of two IEEE singles.</summary>
    C64,

    /// <summary>8-bit float, 4 exponent bits, 3 mantissa bits, finite only (OCP "E4M3FN").</summary>
    F8E4M3,

    /// <summary>8-bit float, 5 exponent bits, 2 mantissa bits, with infinities (OCP "E5M2").</summary>
    F8E5M2,

    /// <summary>8-bit exponent-only scale (OCP microscaling "E8M0").</summary>
    F8E8M0,

    /// <summary>8-bit float E4M3 with a single NaN and no negative zero ("FNUZ").</summary>
    F8E4M3Fnuz,

    /// <summary>8-bit float E5M2 with a single NaN and no negative zero ("FNUZ").</summary>
    F8E5M2Fnuz,

    /// <summary>4-bit float (E2M1), two elements per byte.</summary>
    F4,

    /// <summary>6-bit float, 2 exponent bits and 3 mantissa bits.</summary>
    F6E2M3,

    /// <summary>6-bit float, 3 exponent bits and 2 mantissa bits.</summary>
    F6E3M2,
}
