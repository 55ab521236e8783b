namespace Checkpoints.Loading;

/// <summary>Reads bytes of the prefetcher's files; tests substitute one that counts, fails or stalls.</summary>
internal interface IBlockReader : IDisposable
{
    /// <summary>The file's path, for messages.</summary>
    string PathOf(int file);

    /// <summary>Reads into <paramref name="buffer"/> from <paramref name="offset"/>; returns the bytes read, 0 at the end of the file.</summary>
    int Read(int file, Span<byte> buffer, long offset);
}
