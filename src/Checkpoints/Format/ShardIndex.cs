using System.Text.Json;

namespace Checkpoints.Format;

/// <summary>
/// A sharded checkpoint's <c>*.safetensors.index.json</c>: which shard holds each tensor, and the declared
/// total size.
/// </summary>
internal sealed class ShardIndex
{
    private ShardIndex(string path, IReadOnlyDictionary<string, string> weightMap, long? totalSize)
    {
        Path = path;
        WeightMap = weightMap;
        TotalSize = totalSize;
    }

    /// <summary>
    /// The largest index read, as the format limits a header: the index of a model with a million tensors is about
    /// 100 MB, and a larger file is not an index but a mistake or an attack on this process's memory.
    /// </summary>
    public const long MaxLength = SafetensorsLayout.MaxHeaderLength;

    public string Path { get; }

    /// <summary>Tensor name to shard file name (relative to the index's directory), as the index says.</summary>
    public IReadOnlyDictionary<string, string> WeightMap { get; }

    /// <summary><c>metadata.total_size</c>, when present.</summary>
    public long? TotalSize { get; }

    /// <summary>Parses an index file's bytes; <paramref name="path"/> names it in errors.</summary>
    public static ShardIndex Parse(string path, byte[] bytes)
    {
        var sniffed = bytes.Length == 0 ? null : FileSniffer.Explain(bytes.AsSpan(0, Math.Min(bytes.Length, FileSniffer.SniffLength)));
        if (sniffed is { Rule: FormatRule.GitLfsPointer } lfs)
        {
            throw new CheckpointFormatException(path, lfs.Rule, lfs.Detail, byteOffset: 0);
        }

        try
        {
            using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 64 });
            return FromDocument(path, document.RootElement);
        }
        catch (JsonException exception)
        {
            throw new CheckpointFormatException(path, FormatRule.IndexInvalid,
                $"the index is not valid JSON ({exception.Message}): the file is damaged; download it again",
                FileOffset(bytes, exception), innerException: exception);
        }
        catch (InvalidOperationException exception)
        {
            // JsonElement.GetString and JsonProperty.Name refuse escapes that decode to invalid UTF-16 (a lone surrogate).
            throw new CheckpointFormatException(path, FormatRule.IndexInvalid,
                $"the index holds a string that is not valid text ({exception.Message}): the file is damaged; download it again",
                innerException: exception);
        }
    }

    /// <summary>
    /// The file offset of a JSON error. The exception gives a line and a position in it, and indexes are written
    /// indented, so the position alone would point into the first line.
    /// </summary>
    private static long? FileOffset(ReadOnlySpan<byte> bytes, JsonException exception)
    {
        if (exception.LineNumber is not { } line || exception.BytePositionInLine is not { } column)
        {
            return null;
        }

        var lineStart = 0;
        for (long i = 0; i < line; i++)
        {
            var newline = bytes[lineStart..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                return null;
            }

            lineStart += newline + 1;
        }

        return Math.Min(lineStart + column, bytes.Length);
    }

    private static ShardIndex FromDocument(string path, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(path, "the index must be a JSON object with a \"weight_map\"");
        }

        if (!root.TryGetProperty("weight_map", out var weightMapElement) || weightMapElement.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(path, "the index has no \"weight_map\" object mapping tensor names to shard files");
        }

        var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in weightMapElement.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(property.Value.GetString()))
            {
                var found = property.Value.ValueKind switch
                {
                    JsonValueKind.String => "an empty string",
                    JsonValueKind.Null => "null",
                    JsonValueKind.Number => $"the number {property.Value.GetRawText()}",
                    JsonValueKind.True or JsonValueKind.False => $"{property.Value.GetRawText()}",
                    JsonValueKind.Array => "an array",
                    _ => "an object",
                };
                throw Invalid(path, $"weight_map entry '{property.Name}' must name a shard file, but it is {found}: the index is damaged; download it again");
            }

            if (!weightMap.TryAdd(property.Name, property.Value.GetString()!))
            {
                throw new CheckpointFormatException(path, FormatRule.DuplicateTensor,
                    $"weight_map lists tensor '{property.Name}' twice", tensorName: property.Name);
            }
        }

        if (weightMap.Count == 0)
        {
            // An index that names no tensor would load as an empty checkpoint and verify as valid: say so instead.
            throw Invalid(path, "the index's weight_map is empty: it names no tensor and no shard; download the index again, or open the .safetensors files without it");
        }

        return new ShardIndex(path, weightMap, ReadTotalSize(root));
    }

    private static long? ReadTotalSize(JsonElement root)
    {
        if (!root.TryGetProperty("metadata", out var metadata) || metadata.ValueKind != JsonValueKind.Object ||
            !metadata.TryGetProperty("total_size", out var total))
        {
            return null;
        }

        // Some writers store the size as a float (1.2e10) or a string; accept what reads as a whole number.
        return total.ValueKind switch
        {
            JsonValueKind.Number when total.TryGetInt64(out var whole) => whole,
            JsonValueKind.Number when total.TryGetDouble(out var real) && real >= 0 && real < long.MaxValue => (long)real,
            JsonValueKind.String when long.TryParse(total.GetString(), System.Globalization.CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        };
    }

    private static CheckpointFormatException Invalid(string path, string detail) => new(path, FormatRule.IndexInvalid, detail);
}
