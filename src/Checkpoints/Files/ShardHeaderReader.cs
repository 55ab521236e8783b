using Checkpoints.Format;
using Checkpoints.Units;
using Microsoft.Win32.SafeHandles;

namespace Checkpoints.Files;

/// <summary>Reads just the header of a safetensors file: a few kilobytes, however large the file.</summary>
internal static class ShardHeaderReader
{
    public static ShardHeader Read(string filePath)
    {
        using var handle = OpenFileLimit.OpenRead(filePath);
        return Read(handle, filePath);
    }

    public static ShardHeader Read(SafeFileHandle handle, string filePath)
    {
        var fileLength = RandomAccess.GetLength(handle);
        Span<byte> head = stackalloc byte[FileSniffer.SniffLength];
        head = head[..PositionalRead.ReadFully(handle, filePath, head, 0, "the header")];
        var headerLength = HeaderParser.ReadHeaderLength(filePath, fileLength, head);

        // ReadHeaderLength has checked that 8 + N fits in the file, so this allocation is bounded by the file's size.
        var json = new byte[headerLength];
        var read = PositionalRead.ReadFully(handle, filePath, json, SafetensorsLayout.PrefixLength, "the header");
        if (read != json.Length)
        {
            throw new CheckpointFormatException(filePath, FormatRule.FileTruncated,
                $"the file ended after {Invariant.N(SafetensorsLayout.PrefixLength + read)} bytes while its header was being read: it changed or was truncated while being opened",
                SafetensorsLayout.PrefixLength + read);
        }

        return HeaderParser.Parse(filePath, fileLength, json);
    }
}
