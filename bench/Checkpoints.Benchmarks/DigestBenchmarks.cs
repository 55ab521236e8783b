using BenchmarkDotNet.Attributes;
using Checkpoints.Format;
using Checkpoints.Synthesis;
using Checkpoints.Writing;

namespace Checkpoints.Benchmarks;

/// <summary>ContentDigest over a memory-mapped checkpoint already in the page cache (warm): hashing speed, not storage.</summary>
[Config(typeof(BenchConfig))]
public class DigestBenchmarks
{
    private const int TensorBytes = 16 << 20;
    private const int TensorCount = 16;
    private string _directory = string.Empty;
    private Checkpoint? _checkpoint;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("ckpt-bench-digest-").FullName;
        var path = Path.Combine(_directory, "model.safetensors");
        var data = new byte[TensorBytes];
        new Random(7).NextBytes(data);
        CheckpointWriter.WriteFile(path, [.. Enumerable.Range(0, TensorCount)
            .Select(i => TensorToWrite.FromBytes($"layer.{i}.weight", DType.BF16, [TensorBytes / 2], data))]);
        _checkpoint = Checkpoint.Open(path);
        _ = ContentDigest.Compute(_checkpoint); // Map it and fault every page in.
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _checkpoint?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Description = "XXH3 digest, 256 MiB mapped, warm")]
    public ulong Digest() => ContentDigest.Compute(_checkpoint!).Digest;
}
