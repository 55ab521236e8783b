namespace Checkpoints.Format;

/// <summary>Constants of the safetensors byte layout: [u64 N little-endian][N bytes of JSON][data].</summary>
internal static class SafetensorsLayout
{
    public const int PrefixLength = 8;

    /// <summary>The reference implementation refuses headers above this size; so do we.</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>
    /// The most dimensions a shape may have. The format sets no limit, but no framework makes tensors of more
    /// than 64 (NumPy's limit); without one, a header of "0," repeated would cost 8 bytes of memory for every 2 of file.
    /// </summary>
    public const int MaxRank = 1024;

    /// <summary>The smallest header that can hold a JSON object: <c>{}</c>.</summary>
    public const long MinHeaderLength = 2;

    /// <summary>Writers pad the header with spaces so the data starts at a multiple of this.</summary>
    public const int DataAlignment = 8;

    public const string MetadataKey = "__metadata__";
}
