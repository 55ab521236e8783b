using Checkpoints.Format;
using Checkpoints.Units;


namespace Checkpoints.Files;

/// <summary>Reads a shard index file (<c>*.safetensors.index.json</c>) and hands its bytes to <see cref="ShardIndex.Parse"/>.</summary>
internal static class ShardIndexReader
{
    public static ShardIndex Read(string path)
    {
        byte[] bytes;
        try
        {
            // Opened as shards are (never blocking, a regular file only), and measured on the open file, not by path.
            using var handle = OpenFileLimit.OpenRead(path);
            var length = RandomAccess.GetLength(handle);
            if (length > ShardIndex.MaxLength)
            {
                throw new CheckpointFormatException(path, FormatRule.IndexInvalid,
                    $"the index is {Invariant.N(length)} bytes, above the limit of {Invariant.N(ShardIndex.MaxLength)} (an index lists names, not data): this is not a shard index; open the shards' folder or a .safetensors file instead");
            }

            bytes = new byte[length];
            bytes = bytes[..PositionalRead.ReadFully(handle, path, bytes, 0, "the index")];
        }
        catch (FileNotFoundException exception)
        {
            throw new FileNotFoundException($"{path}: the index file does not exist", path, exception);
        }

        return ShardIndex.Parse(path, bytes);
    }
}
