namespace Checkpoints.NetEmu.Tests;

public sealed class UnitsTests
{
    [Theory]
    [InlineData("2ms", 2_000)]
    [InlineData("0.5ms", 500)]
    [InlineData("250us", 250)]
    [InlineData("1s", 1_000_000)]
    [InlineData("0", 0)]
    [InlineData("0ms", 0)]
    public void TryParseDuration_Accepts(string text, long microseconds)
    {
        Assert.True(Units.TryParseDuration(text, out var duration));
        Assert.Equal(TimeSpan.FromMicroseconds(microseconds), duration);
    }

    [Theory]
    [InlineData("2")]
    [InlineData("-1ms")]
    [InlineData("ms")]
    [InlineData("2 hours")]
    [InlineData("")]
    public void TryParseDuration_Rejects(string text) => Assert.False(Units.TryParseDuration(text, out _));

    [Theory]
    [InlineData("1GB/s", 1_000_000_000)]
    [InlineData("100MiB/s", 100L * 1024 * 1024)]
    [InlineData("500M", 500_000_000)]
    [InlineData("64KiB", 65_536)]
    [InlineData("1000000", 1_000_000)]
    [InlineData("1B/s", 1)]
    public void TryParseBytesPerSecond_Accepts(string text, long expected)
    {
        Assert.True(Units.TryParseBytesPerSecond(text, out var rate));
        Assert.Equal(expected, rate);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0.5B/s")]
    [InlineData("fast")]
    [InlineData("-1MB/s")]
    [InlineData("")]
    public void TryParseBytesPerSecond_Rejects(string text) => Assert.False(Units.TryParseBytesPerSecond(text, out _));
}
