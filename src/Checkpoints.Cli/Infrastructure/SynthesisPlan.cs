using System.Globalization;
using Checkpoints.Format;
using Checkpoints.Synthesis;
using Checkpoints.Writing;

namespace Checkpoints.Cli.Infrastructure;

/// <summary>
/// The shards <c>synth</c> and <c>demo</c> write, checked against the command line before a byte is written: a usage
/// error in its terms. (The writer checks the free space itself.)
/// </summary>
internal static class SynthesisPlan
{
    public static IReadOnlyList<IReadOnlyList<TensorToWrite>> Shards(long size, int shardCount, DType dtype, ulong seed)
    {
        var (minimum, maximum) = (SyntheticCheckpoint.MinimumFileBytes(dtype), SyntheticCheckpoint.MaximumBytes(dtype));
        if (size < minimum || size > maximum)
        {
            // In units a user can type back, rounded inwards: both bounds are sizes that work.
            var high = string.Create(CultureInfo.InvariantCulture, $"{maximum >> 40}TiB");
            throw new UsageException(
                $"--size must be between {new ByteCount(minimum)} and {high} for a Llama-shaped {dtype.Name()} checkpoint (from one layer of width 64 to 32,768 layers of width 65,536), not {new ByteCount(size)}");
        }

        // Counted in the plan made for the room headers and index leave, which may have a layer less than Plan(size).
        var tensors = SyntheticCheckpoint.Shards(size, 1, dtype, seed)[0].Count;
        if (shardCount > tensors)
        {
            throw new UsageException(
                $"--shards: a checkpoint of {new ByteCount(size)} has {tensors} tensors, and a shard holds at least one: use --shards {tensors} or fewer, or a larger --size");
        }

        return SyntheticCheckpoint.Shards(size, shardCount, dtype, seed);
    }
}
