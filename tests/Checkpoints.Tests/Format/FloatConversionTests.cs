using Checkpoints.Format;


namespace Checkpoints.Tests.Format;

public sealed class FloatConversionTests
{
    [Theory]
    [InlineData(0x00, 0f)]
    [InlineData(0x38, 1f)]
    [InlineData(0x7E, 448f)]
    [InlineData(0xFE, -448f)]
    [InlineData(0x08, 0.015625f)]
    [InlineData(0x01, 0.001953125f)]
    [InlineData(0x40, 2f)]
    public void DecodeE4M3_MatchesOcpValues(byte bits, float expected)
    {
        Assert.Equal(expected, FloatConversion.DecodeE4M3(bits));
    }

    [Theory]
    [InlineData(0x7F)]
    [InlineData(0xFF)]
    public void DecodeE4M3_HasNaN_AndNoInfinity(byte bits)
    {
        Assert.True(float.IsNaN(FloatConversion.DecodeE4M3(bits)));
    }

    [Theory]
    [InlineData(0x3C, 1f)]
    [InlineData(0x7B, 57344f)]
    [InlineData(0x7C, float.PositiveInfinity)]
    [InlineData(0xFC, float.NegativeInfinity)]
    [InlineData(0x01, 1.52587890625e-05f)]
    public void DecodeE5M2_MatchesOcpValues(byte bits, float expected)
    {
        Assert.Equal(expected, FloatConversion.DecodeE5M2(bits));
    }

    [Fact]
    public void ToSingle_BFloat16_IsTheUpperHalfOfSingle_ForEveryLengthAroundTheVectorWidth()
    {
        for (var length = 0; length < 40; length++)
        {
            var values = Enumerable.Range(0, length).Select(i => (i - 20) * 0.375f).ToArray();
            var bytes = values.SelectMany(v => BitConverter.GetBytes((ushort)(BitConverter.SingleToInt32Bits(v) >>> 16))).ToArray();
            var result = new float[length];

            FloatConversion.ToSingle(DType.BF16, bytes, result);

            Assert.Equal(values, result);
        }
    }

    [Fact]
    public void ToSingle_Half_Widens()
    {
        Half[] values = [(Half)1.5f, (Half)(-2f), Half.MaxValue, Half.Epsilon];
        var bytes = values.SelectMany(v => BitConverter.GetBytes(v)).ToArray();
        var result = new float[values.Length];

        FloatConversion.ToSingle(DType.F16, bytes, result);

        Assert.Equal(values.Select(v => (float)v), result);
    }

    [Fact]
    public void ToSingle_Refuses_TypesWithoutConversion()
    {
        Assert.Throws<NotSupportedException>(() => FloatConversion.ToSingle(DType.I32, new byte[4], new float[1]));
    }
}
