using BenchmarkDotNet.Attributes;
using Checkpoints.Format;

namespace Checkpoints.Benchmarks;

/// <summary>Widening 16 MiB of reduced-precision elements to float (FloatConversion.ToSingle, which Tensor.CopyToSingle calls).</summary>
[Config(typeof(BenchConfig))]
public class ConversionBenchmarks
{
    private const int SourceBytes = 16 << 20;
    private byte[] _source = [];
    private float[] _destination = [];

    [Params(DType.BF16, DType.F16, DType.F8E4M3, DType.F8E5M2)]
    public DType From { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _source = new byte[SourceBytes];
        new Random(42).NextBytes(_source);
        _destination = new float[SourceBytes / From.ByteSize()];
    }

    [Benchmark(Description = "16 MiB to float")]
    public float Convert()
    {
        FloatConversion.ToSingle(From, _source, _destination);
        return _destination[^1];
    }
}
