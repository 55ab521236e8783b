namespace Checkpoints.Files;

/// <summary>
/// Orders file names the way people count: <c>model-2</c> before <c>model-10</c>. Runs of digits compare by
/// value (of any length), everything else ordinally.
/// </summary>
internal sealed class NaturalOrder : IComparer<string>
{
    public static NaturalOrder Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null)
        {
            return -1;
        }

        if (y is null)
        {
            return 1;
        }

        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
            {
                var startX = i;
                var startY = j;
                while (i < x.Length && char.IsAsciiDigit(x[i]))
                {
                    i++;
                }

                while (j < y.Length && char.IsAsciiDigit(y[j]))
                {
                    j++;
                }

                var byValue = CompareDigits(x.AsSpan(startX, i - startX), y.AsSpan(startY, j - startY));
                if (byValue != 0)
                {
                    return byValue;
                }

                continue;
            }

            if (x[i] != y[j])
            {
                return x[i].CompareTo(y[j]);
            }

            i++;
            j++;
        }

        var byLength = (x.Length - i).CompareTo(y.Length - j);
        return byLength != 0 ? byLength : string.CompareOrdinal(x, y);
    }

    private static int CompareDigits(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        // Compare as numbers without parsing (runs may exceed any integer type): strip leading zeros, then
        // the longer run is larger, and equal lengths compare digit by digit.
        var trimmedA = a.TrimStart('0');
        var trimmedB = b.TrimStart('0');
        if (trimmedA.Length != trimmedB.Length)
        {
            return trimmedA.Length.CompareTo(trimmedB.Length);
        }

        var byDigits = trimmedA.SequenceCompareTo(trimmedB);
        return byDigits != 0 ? byDigits : a.Length.CompareTo(b.Length);
    }
}
