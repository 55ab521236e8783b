using System.Buffers;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using Checkpoints.Format;

namespace Checkpoints.Synthesis;

/// <summary>
/// Deterministic tensor data: the same name, dtype and seed always give the same bytes. Float dtypes get
/// finite values of weight-like magnitude (2^-7 to 2), so conversions and checks see plausible numbers.
/// </summary>
public static class PseudoRandomData
{
    private const int ChunkBytes = 1 << 20;

    /// <summary>
    /// The dtypes this data can honestly stand for: floats are given weight-like values, integers any value. Not BOOL
    /// (only 0 and 1 are booleans) nor the scale and FNUZ float8 formats, whose random bytes would hold NaNs.
    /// </summary>
    public static IReadOnlyList<DType> SupportedTypes { get; } =
    [
        DType.BF16, DType.F16, DType.F32, DType.F64, DType.F8E4M3, DType.F8E5M2,
        DType.I8, DType.U8, DType.I16, DType.U16, DType.I32, DType.U32, DType.I64, DType.U64,
    ];

    public static void Write(Stream destination, string tensorName, DType dtype, long byteLength, ulong seed)
    {
        var state = seed ^ XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(tensorName));
        var (mask, bits) = FloatMask(dtype);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            var words = MemoryMarshal.Cast<byte, ulong>(buffer.AsSpan(0, ChunkBytes));
            for (long remaining = byteLength; remaining > 0;)
            {
                for (var i = 0; i < words.Length; i++)
                {
                    words[i] = (SplitMix64(ref state) & mask) | bits;
                }

                var count = (int)Math.Min(remaining, ChunkBytes);
                destination.Write(buffer, 0, count);
                remaining -= count;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Per 64-bit word: which random bits to keep (sign, mantissa, the low exponent bits) and which exponent bits
    /// to force, so every lane is a finite number between 2^-7 and 2.
    /// </summary>
    private static (ulong Mask, ulong Bits) FloatMask(DType dtype) => dtype switch
    {
        DType.BF16 => (0x83FF_83FF_83FF_83FFUL, 0x3C00_3C00_3C00_3C00UL),
        DType.F16 => (0x8FFF_8FFF_8FFF_8FFFUL, 0x2000_2000_2000_2000UL),
        DType.F32 => (0x83FF_FFFF_83FF_FFFFUL, 0x3C00_0000_3C00_0000UL),
        DType.F64 => (0x807F_FFFF_FFFF_FFFFUL, 0x3F80_0000_0000_0000UL),
        DType.F8E4M3 => (0x8F8F_8F8F_8F8F_8F8FUL, 0x3030_3030_3030_3030UL),
        DType.F8E5M2 => (0x8787_8787_8787_8787UL, 0x3838_3838_3838_3838UL),
        _ => (ulong.MaxValue, 0UL),
    };

    private static ulong SplitMix64(ref ulong state)
    {
        var z = state += 0x9E37_79B9_7F4A_7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }
}
