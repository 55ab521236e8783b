using Checkpoints.Format;
using Checkpoints.Writing;


namespace Checkpoints.Cli.Tests.TestSupport;

/// <summary>
/// A checkpoint of <see cref="ShardCount"/> shards of one 4 KiB tensor each, with its index, written once for a test
/// class: many files, few bytes, so what is tested is the number of files.
/// </summary>
public sealed class ManyShardCheckpoint : IDisposable
{
    public const int ShardCount = 2_000;

    private const int ElementsPerTensor = 1_024;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ckpt-many-shards-");

    public ManyShardCheckpoint()
    {
        var tensors = Enumerable.Range(0, ShardCount).Select(static layer =>
        {
            // Each tensor's bytes differ, so a shard read twice or skipped changes the digest.
            var data = new byte[ElementsPerTensor * sizeof(float)];
            new Random(layer).NextBytes(data);
            return TensorToWrite.FromBytes($"layers.{layer}.weight", DType.F32, [ElementsPerTensor], data);
        }).ToArray();
        Written = CheckpointWriter.WriteSharded(_directory.FullName, tensors, maxShardBytes: ElementsPerTensor * sizeof(float));
    }

    public string Folder => _directory.FullName;

    /// <summary>The shards, then the index.</summary>
    public IReadOnlyList<string> Written { get; }

    public void Dispose() => _directory.Delete(recursive: true);
}
