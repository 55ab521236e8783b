using BenchmarkDotNet.Attributes;

namespace Checkpoints.Benchmarks;

/// <summary>Checkpoint.Open on a file whose header lists 10,000 tensors (one byte each), then listing their names.</summary>
[Config(typeof(BenchConfig))]
public class OpenBenchmarks
{
    private string _directory = string.Empty;
    private string _path = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("ckpt-bench-open-").FullName;
        _path = Path.Combine(_directory, "model.safetensors");
        File.WriteAllBytes(_path, Headers.File(10_000));
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    [Benchmark(Description = "Open + list, 10,000 tensors")]
    public long OpenAndList()
    {
        using var checkpoint = Checkpoint.Open(_path);
        long characters = 0;
        foreach (var tensor in checkpoint.Tensors)
        {
            characters += tensor.Name.Length + tensor.Shape.Count;
        }

        return characters;
    }
}
