namespace Checkpoints.Storage.Cache;

/// <summary>How much of a file is already in the page cache.</summary>
/// <param name="Path">The file.</param>
/// <param name="SizeBytes">The file's length.</param>
/// <param name="CachedBytes">Bytes of the file resident in the page cache; <see langword="null"/> when unknown (never a guess).</param>
/// <param name="Method">How <paramref name="CachedBytes"/> was measured.</param>
/// <param name="Reason">Why the residency is unknown, or which fallback was taken; <see langword="null"/> when measured directly.</param>
public sealed record FileResidency(
    string Path,
    long SizeBytes,
    long? CachedBytes,
    ResidencyMethod Method,
    string? Reason);
