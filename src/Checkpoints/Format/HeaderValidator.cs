using Checkpoints.Units;


namespace Checkpoints.Format;

/// <summary>
/// Checks how a header's tensors fit together and into the file: sizes agree with shapes, the data
/// section is covered exactly, and header plus data is the whole file.
/// </summary>
internal static class HeaderValidator
{
    public static IReadOnlyList<TensorEntry> Validate(string filePath, long fileLength, long headerLength, List<HeaderJsonReader.RawEntry> entries)
    {
        foreach (var entry in entries)
        {
            CheckSize(filePath, entry);
        }

        // Sorting by (begin, end) puts zero-size tensors before a tensor starting at the same offset, which is
        // the order the reference uses.
        entries.Sort(static (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        var dataEnd = CheckContiguous(filePath, entries);

        var dataStart = SafetensorsLayout.PrefixLength + headerLength;
        var room = (ulong)(fileLength - dataStart);
        if (dataEnd > room)
        {
            var expected = (ulong)dataStart + dataEnd;
            throw new CheckpointFormatException(filePath, FormatRule.FileTruncated,
                $"the file is {Invariant.N(fileLength)} bytes but its header describes {Invariant.N(dataEnd)} bytes of data " +
                $"({Invariant.N(expected)} bytes in all): the file is incomplete (interrupted download or copy?); fetch it again",
                byteOffset: fileLength);
        }

        if (dataEnd < room)
        {
            throw new CheckpointFormatException(filePath, FormatRule.TrailingBytes,
                $"the file has {Invariant.N(room - dataEnd)} bytes after the end of the data its header describes " +
                $"(expected {Invariant.N(dataStart + (long)dataEnd)} bytes, found {Invariant.N(fileLength)}): the file was appended to or damaged",
                byteOffset: dataStart + (long)dataEnd);
        }

        var tensors = new TensorEntry[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            tensors[i] = new TensorEntry(entry.Name, entry.DType, Array.ConvertAll(entry.Shape, static d => (long)d),
                ElementCount(entry)!.Value, (long)entry.Begin, (long)entry.End);
        }

        return tensors;
    }

    private static void CheckSize(string filePath, HeaderJsonReader.RawEntry entry)
    {
        if (entry.Shape.Any(static dimension => dimension > long.MaxValue) || ElementCount(entry) is not { } count)
        {
            throw new CheckpointFormatException(filePath, FormatRule.SizeOverflow,
                $"tensor '{entry.Name}' has shape [{string.Join(", ", entry.Shape)}] whose element count overflows 64 bits",
                entry.FileOffset, entry.Name);
        }

        if (!TryMultiply((ulong)count, (ulong)entry.DType.BitSize(), out var bits))
        {
            throw new CheckpointFormatException(filePath, FormatRule.SizeOverflow,
                $"tensor '{entry.Name}' ({entry.DType.Name()} [{string.Join(", ", entry.Shape)}]) has a byte size that overflows 64 bits",
                entry.FileOffset, entry.Name);
        }

        if (bits % 8 != 0)
        {
            throw new CheckpointFormatException(filePath, FormatRule.PartialByte,
                $"tensor '{entry.Name}' is {entry.DType.Name()} [{string.Join(", ", entry.Shape)}]: {Invariant.N(bits)} bits, not a whole number of bytes",
                entry.FileOffset, entry.Name);
        }

        var expected = bits / 8;
        var actual = entry.End - entry.Begin;
        if (actual != expected)
        {
            throw new CheckpointFormatException(filePath, FormatRule.TensorSizeMismatch,
                $"tensor '{entry.Name}' is {entry.DType.Name()} [{string.Join(", ", entry.Shape)}] = {Invariant.N(expected)} bytes, " +
                $"but its data_offsets [{entry.Begin}, {entry.End}] span {Invariant.N(actual)} bytes",
                entry.FileOffset, entry.Name);
        }
    }

    private static ulong CheckContiguous(string filePath, List<HeaderJsonReader.RawEntry> sorted)
    {
        ulong position = 0;
        string? previous = null;
        foreach (var entry in sorted)
        {
            if (entry.Begin > position)
            {
                var detail = previous is null
                    ? $"the first tensor, '{entry.Name}', starts at data offset {Invariant.N(entry.Begin)} instead of 0: {Invariant.N(entry.Begin)} bytes at the start of the data belong to no tensor"
                    : $"{Invariant.N(entry.Begin - position)} bytes between tensor '{previous}' (ends at data offset {Invariant.N(position)}) and tensor '{entry.Name}' (starts at {Invariant.N(entry.Begin)}) belong to no tensor";
                throw new CheckpointFormatException(filePath, FormatRule.DataNotContiguous, detail, entry.FileOffset, entry.Name);
            }

            if (entry.Begin < position)
            {
                throw new CheckpointFormatException(filePath, FormatRule.DataNotContiguous,
                    $"tensor '{entry.Name}' (data offsets [{entry.Begin}, {entry.End}]) overlaps tensor '{previous}', which ends at data offset {Invariant.N(position)}",
                    entry.FileOffset, entry.Name);
            }

            position = entry.End;
            previous = entry.Name;
        }

        return position;
    }

    /// <summary>The checked product of the shape, folded in order as the reference does; null on overflow.</summary>
    private static long? ElementCount(HeaderJsonReader.RawEntry entry)
    {
        ulong count = 1;
        foreach (var dimension in entry.Shape)
        {
            if (!TryMultiply(count, dimension, out count))
            {
                return null;
            }
        }

        return count > long.MaxValue ? null : (long)count;
    }

    private static bool TryMultiply(ulong a, ulong b, out ulong product)
    {
        var wide = (UInt128)a * b;
        product = (ulong)wide;
        return wide <= ulong.MaxValue;
    }
}
