namespace Checkpoints.Format;

/// <summary>The rule of the safetensors format (or of a sharded checkpoint's layout) that a file breaks.</summary>
public enum FormatRule
{
    /// <summary>The file has no bytes at all.</summary>
    EmptyFile,

    /// <summary>The file is shorter than the 8-byte header length prefix.</summary>
    FileTooShort,

    /// <summary>The file is a Git LFS pointer saved in place of the weights.</summary>
    GitLfsPointer,

    /// <summary>The file is something else entirely: an HTML or JSON error page, text, another format.</summary>
    NotSafetensors,

    /// <summary>The header length prefix exceeds the format's 100,000,000-byte limit.</summary>
    HeaderTooLarge,

    /// <summary>The header length prefix points past the end of the file, or is too small to hold a JSON object.</summary>
    HeaderLengthInvalid,

    /// <summary>The header bytes are not valid UTF-8.</summary>
    HeaderNotUtf8,

    /// <summary>The header is not well-formed JSON, or is not one JSON object.</summary>
    HeaderNotJson,

    /// <summary><c>__metadata__</c> is neither an object of string values nor <c>null</c>.</summary>
    MetadataInvalid,

    /// <summary>A tensor entry is not an object with <c>dtype</c>, <c>shape</c> and <c>data_offsets</c>.</summary>
    TensorEntryInvalid,

    /// <summary>A tensor declares a dtype the format does not define.</summary>
    UnknownDType,

    /// <summary>A shape is not an array of non-negative integers, or has more than 1,024 of them.</summary>
    ShapeInvalid,

    /// <summary><c>data_offsets</c> is not a pair [begin, end] of non-negative integers with begin &lt;= end.</summary>
    DataOffsetsInvalid,

    /// <summary>Two tensors share a name, within a file or across the shards of a checkpoint.</summary>
    DuplicateTensor,

    /// <summary>A tensor's element count or byte size overflows 64 bits.</summary>
    SizeOverflow,

    /// <summary>A sub-byte dtype's tensor does not fill a whole number of bytes.</summary>
    PartialByte,

    /// <summary>A tensor's byte range does not match its shape and dtype.</summary>
    TensorSizeMismatch,

    /// <summary>Tensors sorted by offset do not start at 0 and touch each other without gap or overlap.</summary>
    DataNotContiguous,

    /// <summary>The file is shorter than header plus data: incomplete download or copy.</summary>
    FileTruncated,

    /// <summary>The file has bytes after the end of the data the header describes.</summary>
    TrailingBytes,

    /// <summary>A shard index (<c>*.safetensors.index.json</c>) is malformed.</summary>
    IndexInvalid,

    /// <summary>A shard the index names does not exist.</summary>
    ShardMissing,

    /// <summary>A shard path in the index leaves the checkpoint's directory.</summary>
    ShardPathOutsideDirectory,

    /// <summary>The index places a tensor in a shard that does not hold it.</summary>
    TensorNotInShard,

    /// <summary>A directory holds no safetensors file, or several indexes of which none is the standard one.</summary>
    NoCheckpointFound,

    /// <summary>
    /// A path that should name a shard or an index names something else: a directory, a named pipe, a device, a
    /// socket, a kernel pseudo-file, or a symbolic link to nothing.
    /// </summary>
    NotARegularFile,
}
