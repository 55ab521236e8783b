using System.Globalization;
using System.Text;

namespace Checkpoints.Format;

/// <summary>
/// Recognises the things people save in place of a safetensors file by mistake, so that a bad header
/// length can be explained as "this is a Git LFS pointer" rather than as a number that makes no sense.
/// </summary>
internal static class FileSniffer
{
    /// <summary>How many leading bytes <see cref="Explain"/> wants to see.</summary>
    public const int SniffLength = 512;

    private static ReadOnlySpan<byte> LfsPrefix => "version https://git-lfs.github.com/spec/"u8;

    private static ReadOnlySpan<byte> ZipPrefix => "PK\u0003\u0004"u8;

    private static ReadOnlySpan<byte> GgufPrefix => "GGUF"u8;

    private static ReadOnlySpan<byte> NumpyPrefix => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>
    /// Returns the rule and explanation when <paramref name="head"/> (the file's first bytes) is a known
    /// impostor, or null when it looks like nothing in particular.
    /// </summary>
    public static (FormatRule Rule, string Detail)? Explain(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith(LfsPrefix))
        {
            return (FormatRule.GitLfsPointer, LfsMessage(head));
        }

        if (head.StartsWith(ZipPrefix))
        {
            return (FormatRule.NotSafetensors,
                "this is a ZIP archive, not a safetensors file (PyTorch .bin and .pt checkpoints are ZIP archives): " +
                "convert it to safetensors, or point at the .safetensors files");
        }

        if (head.StartsWith(GgufPrefix))
        {
            return (FormatRule.NotSafetensors, "this is a GGUF file, not a safetensors file: use a GGUF reader, or the safetensors release of the model");
        }

        if (head.StartsWith(NumpyPrefix))
        {
            return (FormatRule.NotSafetensors, "this is a NumPy .npy array, not a safetensors file");
        }

        // A real length prefix below 100,000,000 has zero upper bytes; text has none. Without this, a real
        // header of 60 bytes (0x3C, '<') would be taken for HTML.
        if (head[..Math.Min(head.Length, 8)].Contains((byte)0))
        {
            return null;
        }

        var text = SkipBomAndWhitespace(head);
        if (text.IsEmpty)
        {
            return null;
        }

        if (text[0] == (byte)'<')
        {
            return (FormatRule.NotSafetensors,
                $"this is an HTML or XML page, not a safetensors file (it starts with {Quote(text)}): " +
                "the download saved an error or sign-in page; check the URL and your access token, then download it again");
        }

        if (text[0] is (byte)'{' or (byte)'[')
        {
            return (FormatRule.NotSafetensors,
                $"this is a JSON document, not a safetensors file (it starts with {Quote(text)}): " +
                "probably an error response saved in place of the weights; download the file again");
        }

        if (LooksLikeText(head))
        {
            return (FormatRule.NotSafetensors, $"this is a text file, not a safetensors file (it starts with {Quote(text)})");
        }

        return null;
    }

    private static string LfsMessage(ReadOnlySpan<byte> head)
    {
        var text = Encoding.UTF8.GetString(head);
        string? oid = null;
        string? size = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("oid ", StringComparison.Ordinal))
            {
                oid = line[4..].Trim();
            }
            else if (line.StartsWith("size ", StringComparison.Ordinal) && long.TryParse(line[5..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var bytes))
            {
                size = bytes.ToString("N0", CultureInfo.InvariantCulture);
            }
        }

        var details = (oid, size) switch
        {
            (not null, not null) => $" ({oid}, {size} bytes)",
            (not null, null) => $" ({oid})",
            (null, not null) => $" ({size} bytes)",
            _ => string.Empty,
        };
        return $"this is a Git LFS pointer{details}, not the tensor data: fetch the real file, e.g. `git lfs pull` in the repository";
    }

    private static ReadOnlySpan<byte> SkipBomAndWhitespace(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith("\uFEFF"u8))
        {
            bytes = bytes[3..];
        }

        return bytes.TrimStart(" \t\r\n"u8);
    }

    private static bool LooksLikeText(ReadOnlySpan<byte> head)
    {
        // The first 8 bytes of a real file are a little-endian length below 100,000,000, so its upper bytes
        // are zero; text has no zero bytes and few control characters.
        foreach (var b in head)
        {
            if (b < 0x09 || (b is > 0x0D and < 0x20) || b == 0x7F)
            {
                return false;
            }
        }

        return head.Length > 0;
    }

    private static string Quote(ReadOnlySpan<byte> text)
    {
        const int MaxShown = 60;
        var shown = Encoding.UTF8.GetString(text[..Math.Min(text.Length, MaxShown)]);
        var printable = new StringBuilder(shown.Length);
        foreach (var c in shown)
        {
            printable.Append(char.IsControl(c) ? ' ' : c);
        }

        var ellipsis = text.Length > MaxShown ? "..." : string.Empty;
        return $"\"{printable.ToString().Trim()}{ellipsis}\"";
    }
}
