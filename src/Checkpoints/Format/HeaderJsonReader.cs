using System.Text.Json;
using Checkpoints.Units;

namespace Checkpoints.Format;

/// <summary>
/// Reads the JSON header into raw tensor entries and metadata, checking the shape of the JSON (types of
/// values, required keys, integers in range) but not yet how the tensors fit together.
/// </summary>
internal static class HeaderJsonReader
{
    /// <summary>A tensor entry as written, with the file offset of its name for error messages.</summary>
    public readonly record struct RawEntry(string Name, DType DType, ulong[] Shape, ulong Begin, ulong End, long FileOffset);

    private static readonly JsonReaderOptions Options = new()
    {
        // The format's JSON is plain: no comments, no trailing commas (the reference's serde_json rejects them too).
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        MaxDepth = 64,
    };

    public static (List<RawEntry> Entries, IReadOnlyDictionary<string, string>? Metadata) Read(string filePath, ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, isFinalBlock: true, state: new JsonReaderState(Options));
        var context = new Context(filePath);
        try
        {
            return ReadRoot(ref reader, context);
        }
        catch (JsonException exception)
        {
            // The reader's position is where it stopped; for a one-line header (the norm) the exception's own
            // position is exact.
            var position = exception.LineNumber == 0 && exception.BytePositionInLine is { } inLine ? inLine : reader.BytesConsumed;
            throw new CheckpointFormatException(filePath, FormatRule.HeaderNotJson,
                $"the header is not valid JSON ({StripPosition(exception.Message)}): the file is damaged or not a safetensors file",
                SafetensorsLayout.PrefixLength + position, innerException: exception);
        }
        catch (InvalidOperationException exception)
        {
            // Utf8JsonReader.GetString refuses escapes that decode to invalid UTF-16 (a lone surrogate).
            throw new CheckpointFormatException(filePath, FormatRule.HeaderNotJson,
                $"the header holds a string that is not valid text ({exception.Message})",
                SafetensorsLayout.PrefixLength + reader.TokenStartIndex, innerException: exception);
        }
    }

    private static (List<RawEntry>, IReadOnlyDictionary<string, string>?) ReadRoot(ref Utf8JsonReader reader, Context context)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw context.Error(FormatRule.HeaderNotJson, "the header must be one JSON object, and it is not", reader.TokenStartIndex);
        }

        var entries = new List<RawEntry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        IReadOnlyDictionary<string, string>? metadata = null;
        var sawMetadata = false;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var nameOffset = reader.TokenStartIndex;
            var name = reader.GetString()!;
            if (name == SafetensorsLayout.MetadataKey)
            {
                if (sawMetadata)
                {
                    throw context.Error(FormatRule.MetadataInvalid, "the header has two __metadata__ entries", nameOffset);
                }

                sawMetadata = true;
                metadata = ReadMetadata(ref reader, context);
                continue;
            }

            if (!names.Add(name))
            {
                throw context.Error(FormatRule.DuplicateTensor,
                    $"tensor '{name}' is declared twice in the header (the reference implementation would keep the last silently; " +
                    "Checkpoints refuses, since one of the two is not what its writer meant)", nameOffset, name);
            }

            entries.Add(ReadTensor(ref reader, context, name, nameOffset));
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            throw context.Error(FormatRule.HeaderNotJson, "the header object is not closed", reader.TokenStartIndex);
        }

        // Whitespace may follow the object (writers pad with spaces); anything else makes Read throw.
        if (reader.Read())
        {
            throw context.Error(FormatRule.HeaderNotJson, "the header has content after its JSON object", reader.TokenStartIndex);
        }

        return (entries, metadata);
    }

    private static Dictionary<string, string>? ReadMetadata(ref Utf8JsonReader reader, Context context)
    {
        var type = Next(ref reader);
        if (type == JsonTokenType.Null)
        {
            return null; // mlx writes "__metadata__": null.
        }

        if (type != JsonTokenType.StartObject)
        {
            throw context.Error(FormatRule.MetadataInvalid,
                $"__metadata__ must be an object of strings (or null), not {Describe(type)}", reader.TokenStartIndex);
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var keyOffset = reader.TokenStartIndex;
            var key = reader.GetString()!;
            if (Next(ref reader) != JsonTokenType.String)
            {
                throw context.Error(FormatRule.MetadataInvalid,
                    $"__metadata__ value '{key}' must be a string, not {Describe(reader.TokenType)}", reader.TokenStartIndex);
            }

            if (!metadata.TryAdd(key, reader.GetString()!))
            {
                throw context.Error(FormatRule.MetadataInvalid, $"__metadata__ has the key '{key}' twice", keyOffset);
            }
        }

        return metadata;
    }

    private static RawEntry ReadTensor(ref Utf8JsonReader reader, Context context, string name, long nameOffset)
    {
        if (Next(ref reader) != JsonTokenType.StartObject)
        {
            throw context.Error(FormatRule.TensorEntryInvalid,
                $"tensor '{name}' must be an object with dtype, shape and data_offsets, not {Describe(reader.TokenType)}",
                reader.TokenStartIndex, name);
        }

        DType? dtype = null;
        ulong[]? shape = null;
        (ulong Begin, ulong End)? offsets = null;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var keyOffset = reader.TokenStartIndex;
            if (reader.ValueTextEquals("dtype"u8))
            {
                EnsureFirst(dtype.HasValue, context, name, "dtype", keyOffset);
                dtype = ReadDType(ref reader, context, name);
            }
            else if (reader.ValueTextEquals("shape"u8))
            {
                EnsureFirst(shape is not null, context, name, "shape", keyOffset);
                shape = ReadShape(ref reader, context, name);
            }
            else if (reader.ValueTextEquals("data_offsets"u8))
            {
                EnsureFirst(offsets.HasValue, context, name, "data_offsets", keyOffset);
                offsets = ReadOffsets(ref reader, context, name);
            }
            else
            {
                // Unknown keys are ignored, as the reference does; Skip also walks any nested value.
                reader.Read();
                reader.Skip();
            }
        }

        if (!dtype.HasValue || shape is null || !offsets.HasValue)
        {
            var missing = new[] { ("dtype", dtype.HasValue), ("shape", shape is not null), ("data_offsets", offsets.HasValue) }
                .Where(field => !field.Item2).Select(field => field.Item1);
            throw context.Error(FormatRule.TensorEntryInvalid,
                $"tensor '{name}' has no {string.Join(" and no ", missing)}", nameOffset, name);
        }

        return new RawEntry(name, dtype.Value, shape, offsets.Value.Begin, offsets.Value.End,
            SafetensorsLayout.PrefixLength + nameOffset);
    }

    private static DType ReadDType(ref Utf8JsonReader reader, Context context, string name)
    {
        if (Next(ref reader) != JsonTokenType.String)
        {
            throw context.Error(FormatRule.UnknownDType, $"tensor '{name}' has a dtype that is {Describe(reader.TokenType)}, not a name", reader.TokenStartIndex, name);
        }

        var text = reader.GetString()!;
        if (!DTypes.TryParse(text, out var dtype))
        {
            throw context.Error(FormatRule.UnknownDType,
                $"tensor '{name}' has dtype '{text}', which the safetensors format does not define (known: {DTypes.KnownNames})",
                reader.TokenStartIndex, name);
        }

        return dtype;
    }

    private static ulong[] ReadShape(ref Utf8JsonReader reader, Context context, string name)
    {
        if (Next(ref reader) != JsonTokenType.StartArray)
        {
            throw context.Error(FormatRule.ShapeInvalid, $"tensor '{name}' has a shape that is {Describe(reader.TokenType)}, not an array", reader.TokenStartIndex, name);
        }

        var dimensions = new List<ulong>();
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetUInt64(out var dimension))
            {
                throw context.Error(FormatRule.ShapeInvalid,
                    $"tensor '{name}' has a shape entry that is not a non-negative integer: {Describe(ref reader)}", reader.TokenStartIndex, name);
            }

            if (dimensions.Count == SafetensorsLayout.MaxRank)
            {
                throw context.Error(FormatRule.ShapeInvalid,
                    $"tensor '{name}' has a shape of more than {Invariant.N(SafetensorsLayout.MaxRank)} dimensions, which no framework writes: the header is damaged",
                    reader.TokenStartIndex, name);
            }

            dimensions.Add(dimension);
        }

        return [.. dimensions];
    }

    private static (ulong, ulong) ReadOffsets(ref Utf8JsonReader reader, Context context, string name)
    {
        if (Next(ref reader) != JsonTokenType.StartArray)
        {
            throw context.Error(FormatRule.DataOffsetsInvalid,
                $"tensor '{name}' has data_offsets that are {Describe(reader.TokenType)}, not a [begin, end] pair", reader.TokenStartIndex, name);
        }

        var start = reader.TokenStartIndex;
        Span<ulong> pair = stackalloc ulong[2];
        var count = 0;
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetUInt64(out var value))
            {
                throw context.Error(FormatRule.DataOffsetsInvalid,
                    $"tensor '{name}' has a data offset that is not a non-negative integer: {Describe(ref reader)}", reader.TokenStartIndex, name);
            }

            if (count == 2)
            {
                throw context.Error(FormatRule.DataOffsetsInvalid, $"tensor '{name}' has more than two data_offsets; it needs exactly [begin, end]", start, name);
            }

            pair[count++] = value;
        }

        if (count != 2)
        {
            throw context.Error(FormatRule.DataOffsetsInvalid, $"tensor '{name}' has {count} data_offsets; it needs exactly [begin, end]", start, name);
        }

        if (pair[1] < pair[0])
        {
            throw context.Error(FormatRule.DataOffsetsInvalid,
                $"tensor '{name}' has data_offsets [{pair[0]}, {pair[1]}] that end before they begin", start, name);
        }

        return (pair[0], pair[1]);
    }

    private static void EnsureFirst(bool seen, Context context, string name, string key, long offset)
    {
        if (seen)
        {
            throw context.Error(FormatRule.TensorEntryInvalid, $"tensor '{name}' has the key '{key}' twice", offset, name);
        }
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        // The input is the whole header (isFinalBlock), so running out means the JSON was cut short.
        if (!reader.Read())
        {
            throw new JsonException("the JSON ends before the header object is closed", path: null, lineNumber: 0, bytePositionInLine: reader.BytesConsumed);
        }

        return reader.TokenType;
    }

    private static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => type.ToString(),
    };

    private static string Describe(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number
            ? System.Text.Encoding.UTF8.GetString(reader.ValueSpan)
            : Describe(reader.TokenType);

    private static string StripPosition(string message)
    {
        // System.Text.Json appends "LineNumber: 0 | BytePositionInLine: 12." which we report as a file offset instead.
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut >= 0 ? message[..cut] : message).TrimEnd('.', ' ');
    }

    private sealed class Context(string filePath)
    {
        public CheckpointFormatException Error(FormatRule rule, string detail, long jsonOffset, string? tensor = null) =>
            new(filePath, rule, detail, SafetensorsLayout.PrefixLength + jsonOffset, tensor);
    }
}
