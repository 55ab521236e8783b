using Checkpoints.Format;
using Checkpoints.Loading.Access;
using Checkpoints.Loading.Session;
using Checkpoints.Writing;


namespace Checkpoints.Reliability.Tests.TestSupport;

/// <summary>
/// A checkpoint laid out for changing one shard in the middle of a load: a small first shard, then a second of five
/// 16 MiB tensors. Read access loads 64 MiB segments, so the second shard is two segments, <c>b0</c>-<c>b3</c> and
/// <c>b4</c>: a change after <c>b0</c> was read is met when <c>b4</c> is loaded. Map access checks before every tensor.
/// </summary>
internal static class ChangingCheckpoint
{
    /// <summary>The shard that changes.</summary>
    public const int ChangedShard = 1;

    /// <summary>The first tensor of the changed shard's second segment under read access.</summary>
    public const string FirstTensorOfSecondSegment = "b4";

    private const int TensorBytes = 16 << 20;

    /// <summary>Writes the two shards and their index into <paramref name="directory"/>.</summary>
    public static void Write(string directory)
    {
        IReadOnlyList<TensorToWrite> small = [Tensor("a0", 256 << 10, seed: 1), Tensor("a1", 256 << 10, seed: 2)];
        IReadOnlyList<TensorToWrite> large = [.. Enumerable.Range(0, 5).Select(i => Tensor($"b{i}", TensorBytes, seed: 10 + i))];
        CheckpointWriter.WriteShards(directory, [small, large], metadata: null, CancellationToken.None);
        // The layout the tests rely on: check it rather than trust the arithmetic above.
        var header = ShardOpening.Read(Directory.GetFiles(directory, "*-00002-of-00002.safetensors").Single()).Header;
        var segments = ShardSegments.Plan(header, ShardSegments.ReadGroupBytes, ShardSegments.ChunkBytes);
        Assert.Equal(2, segments.Count);
        Assert.Equal(header.DataStart + header.Tensors.Single(tensor => tensor.Name == FirstTensorOfSecondSegment).DataBegin, segments[1].Start);
    }

    /// <summary>Reads the tensors in order, calling <paramref name="change"/> on the changed shard's path once <paramref name="changeAfter"/> has been read.</summary>
    public static Consumption ReadChangingAfter(Checkpoint checkpoint, IReadOnlyDictionary<string, byte[]> expected, string changeAfter, Action<string> change)
    {
        var changed = false;
        return Consumer.ReadAll(checkpoint, expected, tensor =>
        {
            var previous = checkpoint.Tensors.TakeWhile(candidate => candidate != tensor).LastOrDefault();
            if (!changed && previous?.Name == changeAfter)
            {
                changed = true;
                change(checkpoint.Shards[ChangedShard].Path);
            }
        });
    }

    /// <summary>How many tensors come before <paramref name="name"/> in load order.</summary>
    public static int TensorsBefore(Checkpoint checkpoint, string name) => checkpoint.Tensors.TakeWhile(tensor => tensor.Name != name).Count();

    private static TensorToWrite Tensor(string name, int length, int seed) =>
        new(name, DType.U8, [length], stream =>
        {
            // Distinct pseudo-random bytes per tensor: bytes from the wrong offset or the wrong file would not match.
            var random = new Random(seed);
            var buffer = new byte[1 << 20];
            for (var written = 0; written < length; written += buffer.Length)
            {
                random.NextBytes(buffer);
                stream.Write(buffer, 0, Math.Min(buffer.Length, length - written));
            }
        });
}
