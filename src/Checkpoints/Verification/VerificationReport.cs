namespace Checkpoints.Verification;

/// <summary>What verifying a checkpoint found: every problem, not only the first.</summary>
public sealed class VerificationReport
{
    internal VerificationReport(IReadOnlyList<string> shardPaths, int tensorCount, long bytesRead, IReadOnlyList<Exception> errors, IReadOnlyList<string> warnings)
    {
        ShardPaths = shardPaths;
        TensorCount = tensorCount;
        BytesRead = bytesRead;
        Errors = errors;
        Warnings = warnings;
    }

    /// <summary>The shard files found, in loading order (empty when even the layout could not be read).</summary>
    public IReadOnlyList<string> ShardPaths { get; }

    /// <summary>The tensors the shards' headers declare.</summary>
    public int TensorCount { get; }

    /// <summary>The tensor bytes read back from storage.</summary>
    public long BytesRead { get; }

    /// <summary>
    /// Every problem: <see cref="Format.CheckpointFormatException"/> for a broken rule of the format (with the file, the
    /// offset and the tensor), <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> for a file that
    /// could not be read.
    /// </summary>
    public IReadOnlyList<Exception> Errors { get; }

    /// <summary>Inconsistencies that do not make the checkpoint unreadable.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Whether no error was found.</summary>
    public bool IsValid => Errors.Count == 0;
}
