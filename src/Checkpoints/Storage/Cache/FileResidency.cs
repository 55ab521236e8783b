namespace Checkpoints.Storage.Cache;

/// <summary>How much of a file is already in the page cache.</summary>
public sealed class FileResidency
{
    internal FileResidency(string path, long sizeBytes, long? cachedBytes, ResidencyMethod method, string? reason)
    {
        Path = path;
        SizeBytes = sizeBytes;
        CachedBytes = cachedBytes;
        Method = method;
        Reason = reason;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The file's length.</summary>
    public long SizeBytes { get; }

    /// <summary>Bytes of the file resident in the page cache; <see langword="null"/> when unknown (never a guess).</summary>
    public long? CachedBytes { get; }

    /// <summary>How <see cref="CachedBytes"/> was measured.</summary>
    public ResidencyMethod Method { get; }

    /// <summary>Why the residency is unknown, or which fallback was taken; <see langword="null"/> when measured directly.</summary>
    public string? Reason { get; }
}
