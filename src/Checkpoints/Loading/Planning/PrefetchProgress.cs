namespace Checkpoints.Loading.Planning;

/// <summary>How far the background prefetch has come (see <see cref="LoadOptions.Progress"/>).</summary>
public readonly struct PrefetchProgress
{
    internal PrefetchProgress(long bytesDone, long bytesTotal, double bytesPerSecond)
    {
        BytesDone = bytesDone;
        BytesTotal = bytesTotal;
        BytesPerSecond = bytesPerSecond;
    }

    /// <summary>Bytes read (or skipped because the consumer was already past them).</summary>
    public long BytesDone { get; }

    /// <summary>Bytes this process set out to read.</summary>
    public long BytesTotal { get; }

    /// <summary>The average rate since the prefetch started.</summary>
    public double BytesPerSecond { get; }
}
