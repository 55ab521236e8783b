using System.Globalization;

namespace Checkpoints.NetEmu;

/// <summary>Parses the human units the command line takes: durations ("2ms") and rates ("1GB/s").</summary>
internal static class Units
{
    private static readonly (string Suffix, double Seconds)[] DurationSuffixes =
    [
        ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1),
    ];

    private static readonly (string Suffix, double Bytes)[] SizeSuffixes =
    [
        ("KiB", 1024d), ("MiB", 1024d * 1024), ("GiB", 1024d * 1024 * 1024),
        ("KB", 1e3), ("MB", 1e6), ("GB", 1e9),
        ("K", 1e3), ("M", 1e6), ("G", 1e9), ("B", 1),
    ];

    /// <summary>"2ms", "0.5ms", "250us", "1s", or a bare "0". Negative or unitless non-zero values are rejected.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        text = text.Trim();
        if (text == "0")
        {
            return true;
        }

        foreach (var (suffix, seconds) in DurationSuffixes)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(text.AsSpan(0, text.Length - suffix.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                && value >= 0 && double.IsFinite(value))
            {
                duration = TimeSpan.FromSeconds(value * seconds);
                return true;
            }
        }

        return false;
    }

    /// <summary>"1GB/s", "100MiB/s", "500M", "1000000" (bytes per second). Must be at least one byte per second.</summary>
    public static bool TryParseBytesPerSecond(string text, out long bytesPerSecond)
    {
        bytesPerSecond = 0;
        text = text.Trim();
        if (text.EndsWith("/s", StringComparison.Ordinal))
        {
            text = text[..^2];
        }

        var multiplier = 1d;
        foreach (var (suffix, bytes) in SizeSuffixes)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal))
            {
                multiplier = bytes;
                text = text[..^suffix.Length];
                break;
            }
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            return false;
        }

        var result = value * multiplier;
        if (result < 1 || result > long.MaxValue / 2)
        {
            return false;
        }

        bytesPerSecond = (long)result;
        return true;
    }
}
