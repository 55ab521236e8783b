using System.Globalization;
using System.Text;

namespace Checkpoints.Cli.Infrastructure;

/// <summary>
/// Makes text from files safe to print: tensor names, metadata and paths are the file author's, and a name holding
/// <c>ESC ]0;...</c> would retitle the window, <c>ESC [2J</c> clear the screen, a right-to-left override reorder what
/// the reader sees. Control characters (C0 but newline and tab, DEL, C1) and the invisible format characters that
/// change how text is laid out are written as escapes instead: <c>\x1B</c>, <c>\u202E</c>.
/// </summary>
internal static class TerminalText
{
    public static string Escape(string text, bool keepLineBreaks = false)
    {
        var first = FirstUnsafe(text, keepLineBreaks);
        if (first < 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16).Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            Append(builder, text[i], keepLineBreaks);
        }

        return builder.ToString();
    }

    public static void Append(StringBuilder builder, char c, bool keepLineBreaks)
    {
        if (!IsUnsafe(c, keepLineBreaks))
        {
            builder.Append(c);
        }
        else if (c < 0x100)
        {
            builder.Append("\\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
        }
        else
        {
            builder.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
        }
    }

    public static bool IsUnsafe(char c, bool keepLineBreaks) => c switch
    {
        '\n' or '\t' => !keepLineBreaks,
        < ' ' or (>= '\x7F' and <= '\x9F') => true,
        // Bidirectional embeddings, overrides and isolates; line and paragraph separators; direction marks.
        (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') or '\u2028' or '\u2029' or '\u200E' or '\u200F' or '\u061C' => true,
        // Invisible characters that make two names look alike: zero-width space, joiners, word joiner, byte order mark.
        (>= '\u200B' and <= '\u200D') or '\u2060' or '\uFEFF' => true,
        _ => false,
    };

    private static int FirstUnsafe(string text, bool keepLineBreaks)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (IsUnsafe(text[i], keepLineBreaks))
            {
                return i;
            }
        }

        return -1;
    }
}
