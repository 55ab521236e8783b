using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace Checkpoints.Tests.Format;

/// <summary>
/// Damages a safetensors file in one of the ways files get damaged, or attackers damage them: at the byte level
/// (truncation, flips, insertions, deletions, a wrong length prefix) and at the JSON level (a digit, a dtype, a
/// key, an escape, nesting, a number out of range). Every choice comes from the given <see cref="Random"/>.
/// </summary>
internal static partial class Mutator
{
    private static readonly string[] DTypeNames =
    [
        "BOOL", "U8", "I8", "U16", "I16", "F16", "BF16", "U32", "I32", "F32", "U64", "I64", "F64", "C64",
        "F8_E4M3", "F8_E5M2", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "F4", "F6_E2M3", "F6_E3M2",
        "F33", "f32", "", " F32", "BF16\\u0000", "F8_E4M3\\u0046", "\\u0046\\u0033\\u0032", "F128", "Q4_K",
    ];

    private static readonly string[] HostileNumbers =
    [
        "18446744073709551615", "18446744073709551616", "9223372036854775807", "9223372036854775808", "4294967296",
        "2147483648", "100000000", "99999999999999999999999999999999", "-1", "-0", "0.0", "1.5", "1e400", "1E2", "1e-400",
        "01", "0x10", "NaN", "Infinity", "\"1\"", "null", "true", "[]", "{}", "", "1 2",
    ];

    private static readonly string[] Injections =
    [
        " ", "\t", "\n", "\r\n", "\u00a0", "\uFEFF", ",", ":", "{", "}", "[", "]", "\"", "\\", "//x", "/*x*/", "null",
        "\\u0000", "\\ud800", "\\udc00", "\\ud800\\udc00", "\\u", "\\x41", "\u00e9", "\U0001F600",
    ];

    private static readonly string[] StringReplacements =
    [
        "\\ud800", "\\udfff", "x\\ud800y", "\\ud800\\udc00", "\\u0000", "a\\u0000b", "\\u005f_metadata__", "__metadata__",
        "\\\"", "\\/", "\\b\\f\\n\\r\\t", "\\u00e9", "é", "\\uFFFF", "", " ", "\\q", "\\u12",
    ];

    /// <summary>Raw bytes that are not UTF-8: a cut sequence, an overlong, a surrogate, beyond U+10FFFF, a stray byte.</summary>
    private static readonly byte[][] InvalidUtf8 =
    [
        [0xC3], [0xC3, 0x28], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0x80], [0xE2, 0x82],
    ];

    private static readonly int[] NestingDepths = [1, 2, 10, 62, 63, 64, 65, 200, 5_000];

    public static (byte[] Bytes, string Step) Apply(byte[] file, Random random)
    {
        // Half of the mutations work on the JSON, where the parser's decisions are; the rest on raw bytes.
        if (random.Next(2) == 0 && Header(file) is { } header)
        {
            var (json, step) = MutateJson(header.Json, random);
            return (Reassemble(file, header, json, random, ref step), step);
        }

        return random.Next(6) switch
        {
            0 => Truncate(file, random),
            1 => FlipBytes(file, random),
            2 => InsertBytes(file, random),
            3 => DeleteBytes(file, random),
            4 => SetPrefix(file, random),
            _ => FlipBytes(file, random),
        };
    }

    /// <summary>A mutation of a JSON file (a shard index): mostly at the JSON level, otherwise raw bytes.</summary>
    public static (byte[] Bytes, string Step) ApplyToJsonFile(byte[] json, Random random) => random.Next(5) switch
    {
        < 3 => MutateJson(json, random),
        3 => random.Next(2) == 0 ? Truncate(json, random) : DeleteBytes(json, random),
        _ => random.Next(2) == 0 ? FlipBytes(json, random) : InsertBytes(json, random),
    };

    private static (byte[], string) Truncate(byte[] file, Random random)
    {
        var length = random.Next(file.Length);
        return (file[..length], $"truncate to {length} bytes");
    }

    private static (byte[], string) FlipBytes(byte[] file, Random random)
    {
        if (file.Length == 0)
        {
            return (file, "flip nothing");
        }

        var copy = (byte[])file.Clone();
        var (start, end, region) = Region(file, random);
        var count = 1 + random.Next(4);
        var positions = new List<int>();
        for (var i = 0; i < count; i++)
        {
            var position = start + random.Next(Math.Max(1, end - start));
            position = Math.Min(position, copy.Length - 1);
            copy[position] = random.Next(3) == 0 ? (byte)random.Next(256) : (byte)(copy[position] ^ (1 << random.Next(8)));
            positions.Add(position);
        }

        return (copy, $"change bytes {string.Join(",", positions)} ({region})");
    }

    private static (byte[], string) InsertBytes(byte[] file, Random random)
    {
        var (start, end, region) = Region(file, random);
        var position = Math.Min(file.Length, start + random.Next(Math.Max(1, end - start + 1)));
        var inserted = new byte[1 + random.Next(16)];
        random.NextBytes(inserted);
        if (random.Next(4) != 0)
        {
            // Mostly printable ASCII, which keeps the header valid UTF-8 and so reaches the JSON parser.
            for (var i = 0; i < inserted.Length; i++)
            {
                inserted[i] = (byte)(' ' + (inserted[i] % 95));
            }
        }

        return ([.. file[..position], .. inserted, .. file[position..]], $"insert {inserted.Length} random bytes at {position} ({region})");
    }

    private static (byte[], string) DeleteBytes(byte[] file, Random random)
    {
        if (file.Length == 0)
        {
            return (file, "delete nothing");
        }

        var (start, end, region) = Region(file, random);
        var position = Math.Min(file.Length - 1, start + random.Next(Math.Max(1, end - start)));
        var length = Math.Min(file.Length - position, 1 + random.Next(random.Next(2) == 0 ? 4 : 64));
        return ([.. file[..position], .. file[(position + length)..]], $"delete {length} bytes at {position} ({region})");
    }

    private static (byte[], string) SetPrefix(byte[] file, Random random)
    {
        if (file.Length < 8)
        {
            return (file, "no prefix to change");
        }

        var declared = BinaryPrimitives.ReadUInt64LittleEndian(file);
        var value = random.Next(10) switch
        {
            < 5 => declared + (ulong)(random.Next(33) - 16), // nearby, both ways
            5 => (ulong)file.Length - 8 + (ulong)random.Next(3),
            6 => (ulong)random.Next(3),
            7 => new ulong[] { 100_000_000, 100_000_001, 1UL << 32, long.MaxValue, ulong.MaxValue, (ulong)long.MaxValue + 1 }[random.Next(6)],
            8 => (ulong)random.NextInt64(),
            _ => declared ^ (1UL << random.Next(64)),
        };
        var copy = (byte[])file.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(copy, value);
        return (copy, $"length prefix {declared} -> {value}");
    }

    /// <summary>A region of the file (prefix, header or data) to aim a byte mutation at.</summary>
    private static (int Start, int End, string Name) Region(byte[] file, Random random)
    {
        var header = Header(file);
        var headerEnd = header is { } h ? 8 + h.Json.Length : file.Length;
        return random.Next(4) switch
        {
            0 => (0, Math.Min(8, file.Length), "prefix"),
            1 or 2 => (Math.Min(8, file.Length), headerEnd, "header"),
            _ => headerEnd < file.Length ? (headerEnd, file.Length, "data") : (0, file.Length, "anywhere"),
        };
    }

    private sealed record HeaderSpan(byte[] Json, byte[] Data);

    /// <summary>The header and data of a file whose prefix still makes sense, or null.</summary>
    private static HeaderSpan? Header(byte[] file)
    {
        if (file.Length < 8)
        {
            return null;
        }

        var declared = BinaryPrimitives.ReadUInt64LittleEndian(file);
        return declared <= (ulong)(file.Length - 8) ? new(file[8..(8 + (int)declared)], file[(8 + (int)declared)..]) : null;
    }

    private static byte[] Reassemble(byte[] file, HeaderSpan header, byte[] json, Random random, ref string step)
    {
        // Usually the prefix is updated to the new header's length, so the damage reaches the JSON parser; sometimes
        // it is left as it was, as a careless editor would.
        var prefix = (byte[])file[..8].Clone();
        if (random.Next(4) != 0)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)json.Length);
        }
        else
        {
            step += " (length prefix not updated)";
        }

        return [.. prefix, .. json, .. header.Data];
    }

    private static (byte[], string) MutateJson(byte[] json, Random random)
    {
        // Latin-1 maps each byte to one char, so regex positions are byte positions and any byte survives the round trip.
        var text = Encoding.Latin1.GetString(json);
        var (edited, step) = random.Next(9) switch
        {
            0 => ChangeDigit(text, random),
            1 => SwapDType(text, random),
            2 => DeleteMember(text, random),
            3 => DuplicateMember(text, random),
            4 => Inject(text, random),
            5 => ReplaceString(text, random),
            6 => Nest(text, random),
            7 => ReplaceNumber(text, random),
            _ => InvalidBytes(text, random),
        };
        return (Encoding.Latin1.GetBytes(edited), step);
    }

    private static (string, string) ChangeDigit(string text, Random random)
    {
        var digits = Enumerable.Range(0, text.Length).Where(i => char.IsAsciiDigit(text[i])).ToArray();
        if (digits.Length == 0)
        {
            return Inject(text, random);
        }

        var at = digits[random.Next(digits.Length)];
        var digit = (char)('0' + random.Next(10));
        return random.Next(3) switch
        {
            0 => (text.Remove(at, 1).Insert(at, digit.ToString()), $"digit at {at} '{text[at]}' -> '{digit}'"),
            1 => (text.Insert(at, digit.ToString()), $"insert digit '{digit}' at {at}"),
            _ => (text.Remove(at, 1), $"delete digit at {at}"),
        };
    }

    private static (string, string) SwapDType(string text, Random random)
    {
        var matches = DTypeValue().Matches(text);
        if (matches.Count == 0)
        {
            return ReplaceNumber(text, random);
        }

        var match = matches[random.Next(matches.Count)];
        var value = match.Groups["value"];
        var name = DTypeNames[random.Next(DTypeNames.Length)];
        return (Splice(text, value.Index, value.Length, name), $"dtype '{value.Value}' at {value.Index} -> '{name}'");
    }

    private static (string, string) DeleteMember(string text, Random random)
    {
        var matches = Member().Matches(text);
        if (matches.Count == 0)
        {
            return Inject(text, random);
        }

        var match = matches[random.Next(matches.Count)];
        var (start, length) = (match.Index, match.Length);

        // Take one neighbouring comma with it, so the JSON usually stays well formed and the loss is what is tested.
        if (start + length < text.Length && text[start + length] == ',')
        {
            length++;
        }
        else if (start > 0 && text[start - 1] == ',')
        {
            start--;
            length++;
        }

        return (text.Remove(start, length), $"delete member at {match.Index}: {Shorten(match.Value)}");
    }

    private static (string, string) DuplicateMember(string text, Random random)
    {
        var matches = Member().Matches(text);
        if (matches.Count == 0)
        {
            return Inject(text, random);
        }

        var match = matches[random.Next(matches.Count)];
        return (text.Insert(match.Index + match.Length, "," + match.Value), $"duplicate member at {match.Index}: {Shorten(match.Value)}");
    }

    private static (string, string) Inject(string text, Random random)
    {
        var at = random.Next(text.Length + 1);
        var injected = random.Next(4) == 0
            ? new string(Enumerable.Range(0, 1 + random.Next(8)).Select(_ => (char)random.Next(256)).ToArray())
            : Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(Injections[random.Next(Injections.Length)]));
        return (text.Insert(at, injected), $"inject {Describe(injected)} at {at}");
    }

    private static (string, string) ReplaceString(string text, Random random)
    {
        var matches = JsonString().Matches(text);
        if (matches.Count == 0)
        {
            return Inject(text, random);
        }

        var match = matches[random.Next(matches.Count)];
        var replacement = Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(StringReplacements[random.Next(StringReplacements.Length)]));
        return (Splice(text, match.Index + 1, match.Length - 2, replacement), $"string {Shorten(match.Value)} at {match.Index} -> \"{replacement}\"");
    }

    private static (string, string) Nest(string text, Random random)
    {
        // An unknown key with a deeply nested value, inside a tensor entry or __metadata__ (after a '{' other than the
        // root's), or as a root member, where it is a tensor entry that is not an object.
        var opens = Enumerable.Range(0, text.Length).Where(i => text[i] == '{').ToArray();
        if (opens.Length == 0)
        {
            return Inject(text, random);
        }

        var at = opens[random.Next(opens.Length)] + 1;
        var depth = NestingDepths[random.Next(NestingDepths.Length)];
        var balanced = random.Next(5) != 0;
        var (open, close) = random.Next(3) == 0 ? ("{\"k\":", "}") : ("[", "]");
        var value = string.Concat(Enumerable.Repeat(open, depth)) + (open == "[" ? "1" : "0") + string.Concat(Enumerable.Repeat(close, balanced ? depth : depth - 1));
        return (text.Insert(at, $"\"nested\":{value},"), $"{(balanced ? "" : "unbalanced ")}nesting {depth} deep of {open} at {at}");
    }

    private static (string, string) ReplaceNumber(string text, Random random)
    {
        // Mostly the numbers of shapes and data_offsets (array elements), sometimes any digits, such as a name's.
        var matches = random.Next(4) != 0 && ArrayNumber().Matches(text) is { Count: > 0 } elements ? elements : JsonNumber().Matches(text);
        if (matches.Count == 0)
        {
            return Inject(text, random);
        }

        var match = matches[random.Next(matches.Count)];
        var replacement = random.Next(3) == 0 && ulong.TryParse(match.Value, out var n)
            ? (random.Next(4) switch { 0 => n + 1, 1 => n - 1, 2 => n * 2, _ => 0UL }).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : HostileNumbers[random.Next(HostileNumbers.Length)];
        return (Splice(text, match.Index, match.Length, replacement), $"number {match.Value} at {match.Index} -> {replacement}");
    }

    private static (string, string) InvalidBytes(string text, Random random)
    {
        // Inside a string (a tensor name, a dtype, a metadata value) or anywhere.
        var matches = JsonString().Matches(text);
        var at = matches.Count > 0 && random.Next(3) != 0 ? matches[random.Next(matches.Count)].Index + 1 : random.Next(text.Length + 1);
        var bytes = InvalidUtf8[random.Next(InvalidUtf8.Length)];
        return (text.Insert(at, Encoding.Latin1.GetString(bytes)), $"insert non-UTF-8 bytes {Convert.ToHexString(bytes)} at {at}");
    }

    private static string Splice(string text, int index, int length, string replacement) =>
        string.Concat(text.AsSpan(0, index), replacement, text.AsSpan(index + length));

    private static string Shorten(string value) => value.Length <= 60 ? value : value[..57] + "...";

    private static string Describe(string injected) =>
        string.Concat(injected.Select(static c => c is >= ' ' and < '\u007f' ? c.ToString() : $"\\x{(int)c:X2}"));

    [GeneratedRegex("\"dtype\"\\s*:\\s*\"(?<value>[^\"]*)\"")]
    private static partial Regex DTypeValue();

    /// <summary>A key with a scalar or flat-array value, or a whole flat object (a tensor entry, __metadata__).</summary>
    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"\\s*:\\s*(?:\"(?:[^\"\\\\]|\\\\.)*\"|\\[[^\\[\\]]*\\]|\\{[^{}]*\\}|[-0-9.eE+a-z]+)")]
    private static partial Regex Member();

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex JsonString();

    [GeneratedRegex("-?[0-9]+(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")]
    private static partial Regex JsonNumber();

    [GeneratedRegex("(?<=[\\[,]\\s*)[0-9]+(?=\\s*[,\\]])")]
    private static partial Regex ArrayNumber();
}
