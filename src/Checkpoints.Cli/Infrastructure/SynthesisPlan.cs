using System.Globalization;
using Checkpoints.Files;
using Checkpoints.Format;
using Checkpoints.Synthesis;
using Checkpoints.Units;
using Checkpoints.Writing;

namespace Checkpoints.Cli;

/// <summary>
/// The shards <c>synth</c> and <c>demo</c> write, checked against the command line (a usage error in its terms) and
/// against the disk (free space) before a byte is written: a writer that fills the disk leaves a lie behind.
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

    /// <summary>
    /// Throws when the file system that <paramref name="path"/> would be written on has less free than
    /// <paramref name="shards"/> take; <paramref name="fix"/> says what the user can do about it, in the command's terms.
    /// </summary>
    public static void EnsureFits(string path, IReadOnlyList<IReadOnlyList<TensorToWrite>> shards, string fix)
    {
        var needed = CheckpointWriter.PlannedBytes(shards, SyntheticCheckpoint.Metadata);
        if (FreeSpace.Available(path) is { } free && free < needed)
        {
            throw new IOException(
                $"{Path.TrimEndingDirectorySeparator(Path.GetFullPath(path))}: the checkpoint needs {ByteSize.Format(needed)} but the file system has {ByteSize.Format(free)} free: {fix}");
        }
    }
}
