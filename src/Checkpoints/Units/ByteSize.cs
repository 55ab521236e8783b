using System.Globalization;

namespace Checkpoints.Units;

/// <summary>Reads and writes byte counts the way people type them: 4GiB, 512 MiB, 1.5GB, 16m, 1048576.</summary>
internal static class ByteSize
{
    private static readonly (string Suffix, long Factor)[] Suffixes =
    [
        ("KIB", 1L << 10), ("MIB", 1L << 20), ("GIB", 1L << 30), ("TIB", 1L << 40),
        ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000),
        ("K", 1L << 10), ("M", 1L << 20), ("G", 1L << 30), ("T", 1L << 40),
        ("B", 1),
    ];

    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim().ToUpperInvariant();
        long factor = 1;
        foreach (var (suffix, value) in Suffixes)
        {
            if (trimmed.EndsWith(suffix, StringComparison.Ordinal))
            {
                factor = value;
                trimmed = trimmed[..^suffix.Length].TrimEnd();
                break;
            }
        }

        if (!decimal.TryParse(trimmed, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        // decimal tops out near 7.9e28: a number of TiB past that overflows the multiplication itself.
        if (number < 0 || number > long.MaxValue / (decimal)factor)
        {
            return false;
        }

        var product = number * factor;

        bytes = (long)decimal.Round(product);
        return true;
    }

    /// <summary>A short human form: 4.00 GiB, 512 MiB, 900 B.</summary>
    public static string Format(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.##} {units[unit]}");
    }

    /// <summary>A rate: 1.23 GB/s (decimal units, as storage is measured).</summary>
    public static string FormatRate(double bytesPerSecond) => bytesPerSecond >= 1e9
        ? string.Create(CultureInfo.InvariantCulture, $"{bytesPerSecond / 1e9:0.00} GB/s")
        : string.Create(CultureInfo.InvariantCulture, $"{bytesPerSecond / 1e6:0.0} MB/s");
}
