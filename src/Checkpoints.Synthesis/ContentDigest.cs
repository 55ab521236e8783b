using System.IO.Hashing;

namespace Checkpoints.Synthesis;

/// <summary>
/// Folds every byte of every tensor, in order, into one 64-bit XXH3 digest: proof that all data was read, and
/// a fingerprint that is equal for equal checkpoints however they were loaded. With a selection, the selected tensors'
/// selected slices (in each slice's own row-major order) are folded, and the other tensors skipped.
/// </summary>
public static class ContentDigest
{
    private const int SliceBytes = 1 << 30;

    /// <param name="checkpoint">The checkpoint to read.</param>
    /// <param name="onTensorRead">Called after each tensor with the bytes read so far (for progress displays).</param>
    /// <param name="cancellationToken">Checked between tensors.</param>
    public static (ulong Digest, long Bytes) Compute(Checkpoint checkpoint, Action<long>? onTensorRead = null, CancellationToken cancellationToken = default)
    {
        var hash = new XxHash3();
        long bytes = 0;
        byte[]? gathered = null;
        foreach (var tensor in checkpoint.Tensors.Where(static tensor => tensor.IsSelected))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (tensor.Slice!.IsWhole)
            {
                for (long start = 0; start < tensor.ByteLength; start += SliceBytes)
                {
                    var length = (int)Math.Min(SliceBytes, tensor.ByteLength - start);
                    hash.Append(tensor.GetBytes(start, length));
                    bytes += length;
                }
            }
            else if (tensor.IsSelectedContiguous && tensor.SelectedByteLength <= Array.MaxLength)
            {
                hash.Append(tensor.SelectedBytes);
                bytes += tensor.SelectedByteLength;
            }
            else
            {
                bytes += AppendGathered(hash, tensor, ref gathered);
            }

            onTensorRead?.Invoke(bytes);
        }

        return (hash.GetCurrentHashAsUInt64(), bytes);
    }

    /// <summary>A strided slice is gathered through one reused buffer, as a consumer copying it out would.</summary>
    private static long AppendGathered(XxHash3 hash, Tensor tensor, ref byte[]? buffer)
    {
        buffer ??= GC.AllocateUninitializedArray<byte>(GatherBytes);
        for (long start = 0; start < tensor.SelectedByteLength; start += buffer.Length)
        {
            var part = buffer.AsSpan(0, (int)Math.Min(buffer.Length, tensor.SelectedByteLength - start));
            tensor.CopySelectedTo(start, part);
            hash.Append(part);
        }

        return tensor.SelectedByteLength;
    }

    /// <summary>
    /// Small: the buffer is new memory of this process, whose first touches cost most of a copy on some machines (a
    /// VM's fresh pages); four ranks on a node pay that four times. A few megabytes already make each gather long.
    /// </summary>
    private const int GatherBytes = 4 << 20;

    /// <summary>
    /// Runs the digest once over a small buffer, so that a timed load that follows does not count compiling the digest:
    /// it is the instrument that proves every byte was read, not part of the loading.
    /// </summary>
    public static void Prepare()
    {
        var hash = new XxHash3();
        hash.Append(new byte[64 << 10]);
        _ = hash.GetCurrentHashAsUInt64();
    }

    /// <summary>
    /// The rate of the same digest over bytes already in process memory: the ceiling a load of cached data can reach,
    /// measured in the same process so a comparison with a load is fair. Best of three passes.
    /// </summary>
    public static double MeasureInMemoryRate(long bytes)
    {
        var buffer = new byte[(int)Math.Clamp(bytes, 1, SliceBytes)];
        Random.Shared.NextBytes(buffer);
        var best = double.MaxValue;
        for (var pass = 0; pass < 3; pass++)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var hash = new XxHash3();
            hash.Append(buffer);
            _ = hash.GetCurrentHashAsUInt64();
            best = Math.Min(best, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        }

        return buffer.Length / Math.Max(best, 1e-9);
    }
}
