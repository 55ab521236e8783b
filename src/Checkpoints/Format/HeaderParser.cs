using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Unicode;
using Checkpoints.Units;

namespace Checkpoints.Format;

/// <summary>
/// Turns a safetensors file's leading bytes into a validated <see cref="ShardHeader"/>, enforcing the rules
/// of the reference implementation (huggingface/safetensors) plus one stricter rule: duplicate tensor
/// names are rejected rather than silently resolved to the last one.
/// </summary>
internal static class HeaderParser
{
    /// <summary>
    /// Reads the header length N from the first 8 bytes and checks it against the file's length.
    /// <paramref name="head"/> is the file's first bytes (at least 8 when the file has them, up to
    /// <see cref="FileSniffer.SniffLength"/>) so that a wrong file can be recognised.
    /// </summary>
    public static long ReadHeaderLength(string filePath, long fileLength, ReadOnlySpan<byte> head)
    {
        if (fileLength == 0)
        {
            throw new CheckpointFormatException(filePath, FormatRule.EmptyFile,
                "the file is empty (0 bytes): an interrupted download or copy; fetch it again");
        }

        if (fileLength < SafetensorsLayout.PrefixLength)
        {
            throw Impostor(filePath, head) ?? new CheckpointFormatException(filePath, FormatRule.FileTooShort,
                $"the file is {fileLength} bytes, shorter than the 8-byte header length every safetensors file starts with: it is incomplete or not a safetensors file");
        }

        var declared = BinaryPrimitives.ReadUInt64LittleEndian(head);
        var room = (ulong)(fileLength - SafetensorsLayout.PrefixLength);
        if (declared > SafetensorsLayout.MaxHeaderLength)
        {
            throw Impostor(filePath, head) ?? new CheckpointFormatException(filePath, FormatRule.HeaderTooLarge,
                $"the header length prefix says {Invariant.N(declared)} bytes, above the format's limit of {Invariant.N(SafetensorsLayout.MaxHeaderLength)}: " +
                "this is not a safetensors file, or its first 8 bytes are damaged", byteOffset: 0);
        }

        if (declared > room)
        {
            throw Impostor(filePath, head) ?? new CheckpointFormatException(filePath, FormatRule.HeaderLengthInvalid,
                $"the header length prefix says {Invariant.N(declared)} bytes but only {Invariant.N(room)} bytes follow it: " +
                "the file is incomplete (interrupted download or copy?) or its first 8 bytes are damaged", byteOffset: 0);
        }

        if (declared < SafetensorsLayout.MinHeaderLength)
        {
            throw Impostor(filePath, head) ?? new CheckpointFormatException(filePath, FormatRule.HeaderLengthInvalid,
                $"the header length prefix says {declared} bytes, too few to hold the JSON header (at least \"{{}}\"): the file is damaged", byteOffset: 0);
        }

        return (long)declared;
    }

    /// <summary>Parses and validates the JSON header (the N bytes after the prefix).</summary>
    public static ShardHeader Parse(string filePath, long fileLength, ReadOnlySpan<byte> json)
    {
        if (!Utf8.IsValid(json))
        {
            var bad = FirstInvalidUtf8(json);
            throw new CheckpointFormatException(filePath, FormatRule.HeaderNotUtf8,
                "the JSON header is not valid UTF-8: the file is damaged", SafetensorsLayout.PrefixLength + bad);
        }

        var (entries, metadata) = HeaderJsonReader.Read(filePath, json);
        var tensors = HeaderValidator.Validate(filePath, fileLength, json.Length, entries);
        return new ShardHeader(filePath, fileLength, json.Length, tensors, metadata);
    }

    private static CheckpointFormatException? Impostor(string filePath, ReadOnlySpan<byte> head) =>
        FileSniffer.Explain(head) is { } found
            ? new CheckpointFormatException(filePath, found.Rule, found.Detail, byteOffset: 0)
            : null;

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        // Binary search is wrong here (validity is not monotone in a prefix cut mid-character); walk runes.
        var position = 0;
        while (position < bytes.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes[position..], out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return position;
            }

            position += consumed;
        }

        return position;
    }
}
