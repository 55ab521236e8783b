using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Checkpoints.Selection;

/// <summary>
/// A tensor-name glob: <c>*</c> any run of characters (dots included: <c>model.layers.0.*</c> takes the whole layer),
/// <c>?</c> one character, <c>{a,b}</c> either text, <c>{0..15}</c> any integer in the range (written without leading
/// zeros, as layer and expert numbers are), <c>\</c> takes the next character literally. A pattern without any of these
/// is an exact name.
/// </summary>
internal sealed class NamePattern
{
    /// <summary>The widest <c>{a..b}</c> range: beyond it a pattern is far more likely a typo than a need.</summary>
    public const int MaxRangeSize = 100_000;

    private readonly Regex? _regex;

    private NamePattern(string text, Regex? regex, string? exactName)
    {
        Text = text;
        _regex = regex;
        ExactName = exactName;
    }

    /// <summary>The pattern as written.</summary>
    public string Text { get; }

    /// <summary>Whether the pattern is an exact name (no wildcard, alternative or range).</summary>
    public bool IsExact => _regex is null;

    /// <summary>The name an exact pattern stands for (its text without escapes); null for a pattern with wildcards.</summary>
    public string? ExactName { get; }

    /// <exception cref="ArgumentException">The pattern is empty or malformed (an unclosed brace, a reversed range, ...).</exception>
    public static NamePattern Parse(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            throw new ArgumentException("A tensor name pattern must not be empty.");
        }

        var regex = new StringBuilder("^");
        var position = 0;
        var special = AppendUntil(text, ref position, regex, closing: null);
        if (!special)
        {
            // Escapes only: the name is the text without them.
            return new NamePattern(text, null, Regex.Unescape(regex.ToString(1, regex.Length - 1)));
        }

        regex.Append('$');
        return new NamePattern(text, new Regex(regex.ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1)), null);
    }

    public bool Matches(string name) => _regex?.IsMatch(name) ?? string.Equals(name, ExactName, StringComparison.Ordinal);

    public override string ToString() => Text;

    /// <summary>Translates until the end, or until <paramref name="closing"/> (consumed) inside braces; true when anything special was seen.</summary>
    private static bool AppendUntil(string text, ref int position, StringBuilder regex, char? closing)
    {
        var special = false;
        while (position < text.Length)
        {
            var c = text[position++];
            if (closing is not null && (c == closing || c == ','))
            {
                position--;
                return special;
            }

            switch (c)
            {
                case '*':
                    regex.Append(".*");
                    special = true;
                    break;
                case '?':
                    regex.Append('.');
                    special = true;
                    break;
                case '{':
                    AppendBraces(text, ref position, regex);
                    special = true;
                    break;
                case '\\' when position < text.Length:
                    regex.Append(Regex.Escape(text[position++].ToString()));
                    break;
                case '\\':
                    throw Malformed(text, "it ends with a lone '\\'");
                case '}':
                    throw Malformed(text, $"the '}}' at {position - 1} closes no '{{'");
                default:
                    regex.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        if (closing is not null)
        {
            throw Malformed(text, "a '{' is never closed");
        }

        return special;
    }

    /// <summary><c>{a..b}</c> or <c>{x,y,...}</c>, after the '{'.</summary>
    private static void AppendBraces(string text, ref int position, StringBuilder regex)
    {
        var close = text.IndexOf('}', position);
        var inside = close < 0 ? string.Empty : text[position..close];
        var dots = inside.IndexOf("..", StringComparison.Ordinal);
        if (dots > 0 && IsNumber(inside[..dots]) && IsNumber(inside[(dots + 2)..]))
        {
            var first = long.Parse(inside[..dots], CultureInfo.InvariantCulture);
            var last = long.Parse(inside[(dots + 2)..], CultureInfo.InvariantCulture);
            if (last < first || last - first >= MaxRangeSize)
            {
                throw Malformed(text, $"the range {{{inside}}} must go upwards and hold at most {MaxRangeSize} numbers");
            }

            regex.Append("(?:");
            for (var n = first; n <= last; n++)
            {
                regex.Append(n == first ? string.Empty : "|").Append(n.ToString(CultureInfo.InvariantCulture));
            }

            regex.Append(')');
            position = close + 1;
            return;
        }

        regex.Append("(?:");
        while (true)
        {
            AppendUntil(text, ref position, regex, closing: '}');
            if (text[position++] == '}')
            {
                break;
            }

            regex.Append('|');
        }

        regex.Append(')');
    }

    private static bool IsNumber(string text) => text.Length is > 0 and <= 15 && text.All(char.IsAsciiDigit);

    private static ArgumentException Malformed(string text, string why) => new($"The tensor name pattern '{text}' is malformed: {why}.");
}
