namespace Checkpoints.TorchSharp.Conversion;

/// <summary>
/// The two 8-bit float formats safetensors names, decoded through 256-entry tables: every value is exact in
/// <see cref="float"/>, and a lookup is as fast as any arithmetic on one byte.
/// </summary>
internal static class Float8
{
    /// <summary>F8_E4M3 (the "FN" variant of OCP FP8): bias 7, no infinities, S.1111.111 is NaN.</summary>
    public static readonly float[] E4M3 = Build(bits =>
    {
        var exponent = (bits >> 3) & 0xF;
        var mantissa = bits & 0x7;
        if (exponent == 0xF && mantissa == 0x7)
        {
            return float.NaN;
        }

        return exponent == 0 ? mantissa / 8f * MathF.Pow(2, -6) : (1 + (mantissa / 8f)) * MathF.Pow(2, exponent - 7);
    });

    /// <summary>F8_E5M2: bias 15, IEEE-like (infinities and NaNs), the upper byte of an F16.</summary>
    public static readonly float[] E5M2 = Build(bits =>
    {
        var exponent = (bits >> 2) & 0x1F;
        var mantissa = bits & 0x3;
        if (exponent == 0x1F)
        {
            return mantissa == 0 ? float.PositiveInfinity : float.NaN;
        }

        return exponent == 0 ? mantissa / 4f * MathF.Pow(2, -14) : (1 + (mantissa / 4f)) * MathF.Pow(2, exponent - 15);
    });

    public static void ToSingle(float[] table, ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (var i = 0; i < source.Length; i++)
        {
            destination[i] = table[source[i]];
        }
    }

    private static float[] Build(Func<int, float> magnitude)
    {
        var table = new float[256];
        for (var bits = 0; bits < 256; bits++)
        {
            var value = magnitude(bits & 0x7F);
            table[bits] = (bits & 0x80) != 0 ? -value : value;
        }

        return table;
    }
}
