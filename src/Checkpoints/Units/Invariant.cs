using System.Globalization;

namespace Checkpoints.Units;

/// <summary>Culture-independent number formatting for messages, so errors read the same on every machine.</summary>
internal static class Invariant
{
    /// <summary>A count with thousands separators: 90,866,120.</summary>
    public static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <inheritdoc cref="N(long)"/>
    public static string N(ulong value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
