namespace Checkpoints.Loading.Planning;

/// <summary>How far the background prefetch has come (see <see cref="LoadOptions.Progress"/>).</summary>
public readonly struct PrefetchProgress
{
    internal PrefetchProgress(long bytesDone, long bytesTotal, double bytesPerSecond, string? file = null, long fileBytesDone = 0, long fileBytesTotal = 0)
    {
        BytesDone = bytesDone;
        BytesTotal = bytesTotal;
        BytesPerSecond = bytesPerSecond;
        File = file;
        FileBytesDone = fileBytesDone;
        FileBytesTotal = fileBytesTotal;
    }

    /// <summary>Bytes read (or skipped because the consumer was already past them).</summary>
    public long BytesDone { get; }

    /// <summary>Bytes this process set out to read.</summary>
    public long BytesTotal { get; }

    /// <summary>The average rate since the prefetch started.</summary>
    public double BytesPerSecond { get; }

    /// <summary>
    /// The file this report is about: the prefetch started on it (<see cref="FileBytesDone"/> is then 0) or just handled
    /// a block of it. Null when the report is about no one file.
    /// </summary>
    public string? File { get; }

    /// <summary>
    /// Bytes of <see cref="File"/> handled so far: read, skipped (the consumer was past them, another process had
    /// warmed them) or given up after a read error (which is logged). Equal to <see cref="FileBytesTotal"/> once the
    /// prefetch is done with the file.
    /// </summary>
    public long FileBytesDone { get; }

    /// <summary>Bytes of <see cref="File"/> this process set out to read.</summary>
    public long FileBytesTotal { get; }
}
