using BenchmarkDotNet.Attributes;
using Checkpoints.Format;

namespace Checkpoints.Benchmarks;

/// <summary>HeaderParser.Parse on headers already in memory: JSON reading, validation, building the descriptors.</summary>
[Config(typeof(BenchConfig))]
public class HeaderParsingBenchmarks
{
    private const string Path = "bench.safetensors";
    private byte[] _tensors10 = [];
    private byte[] _tensors10k = [];
    private byte[] _longNames100MB = [];
    private byte[] _metadata100MB = [];

    [GlobalSetup]
    public void Setup()
    {
        _tensors10 = Headers.File(10);
        _tensors10k = Headers.File(10_000);

        // Just under the format's 100,000,000-byte limit: ~95,000 tensors with 1,000-character names, and one
        // __metadata__ string of 99 MB.
        _longNames100MB = Headers.File(95_000, new string('w', 960));
        _metadata100MB = Headers.File(1, metadataValue: new string('m', 99_000_000));
    }

    [Benchmark(Description = "10 tensors")]
    public int Parse10() => Parse(_tensors10);

    [Benchmark(Description = "10,000 tensors")]
    public int Parse10k() => Parse(_tensors10k);

    [Benchmark(Description = "~100 MB header: 95,000 tensors, 1 KB names")]
    public int Parse100MBNames() => Parse(_longNames100MB);

    [Benchmark(Description = "~100 MB header: one 99 MB __metadata__ value")]
    public int Parse100MBMetadata() => Parse(_metadata100MB);

    private static int Parse(byte[] file)
    {
        var length = HeaderParser.ReadHeaderLength(Path, file.Length, file.AsSpan(0, Math.Min(file.Length, FileSniffer.SniffLength)));
        return HeaderParser.Parse(Path, file.Length, file.AsSpan(8, (int)length)).Tensors.Count;
    }
}
