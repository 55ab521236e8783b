namespace Checkpoints.Loading.Prefetch;

/// <summary>Reads bytes of the prefetcher's files; tests substitute one that counts, fails or stalls.</summary>
internal interface IBlockReader : IDisposable
{
    /// <summary>The file's path, for messages.</summary>
    string PathOf(int file);

    /// <summary>
    /// Brings <c>buffer.Length</c> bytes from <paramref name="offset"/> into the page cache, reading them into
    /// <paramref name="buffer"/> (scratch space) or otherwise; returns the bytes done, 0 at the end of the file.
    /// </summary>
    int Read(int file, Span<byte> buffer, long offset);
}
