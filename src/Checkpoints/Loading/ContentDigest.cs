using System.IO.Hashing;

namespace Checkpoints.Loading;

/// <summary>
/// Folds every byte of every tensor, in order, into one 64-bit XXH3 digest: proof that all data was read, and
/// a fingerprint that is equal for equal checkpoints however they were loaded.
/// </summary>
internal static class ContentDigest
{
    private const int SliceBytes = 1 << 30;

    /// <param name="checkpoint">The checkpoint to read.</param>
    /// <param name="onTensorRead">Called after each tensor with the bytes read so far (for progress displays).</param>
    /// <param name="cancellationToken">Checked between tensors.</param>
    public static (ulong Digest, long Bytes) Compute(Checkpoint checkpoint, Action<long>? onTensorRead = null, CancellationToken cancellationToken = default)
    {
        var hash = new XxHash3();
        long bytes = 0;
        foreach (var tensor in checkpoint.Tensors)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (long start = 0; start < tensor.ByteLength; start += SliceBytes)
            {
                var length = (int)Math.Min(SliceBytes, tensor.ByteLength - start);
                hash.Append(tensor.GetBytes(start, length));
                bytes += length;
            }

            onTensorRead?.Invoke(bytes);
        }

        return (hash.GetCurrentHashAsUInt64(), bytes);
    }
}
