using System.Text.Json.Serialization;

namespace Checkpoints.TorchSharp.Benchmarks;

/// <summary>One load, as bench/torchsharp.sh records it.</summary>
/// <param name="Loader">checkpoints or pybridge.</param>
/// <param name="Checkpoint">The checkpoint's folder.</param>
/// <param name="LoadSeconds">Wall time of the load call alone (the module already built).</param>
/// <param name="ConstructSeconds">Wall time of building the module (its parameters allocated and initialised).</param>
/// <param name="ParameterBytes">The bytes of every parameter and buffer of the module.</param>
/// <param name="Digest">XXH3 over every state-dict entry's name and bytes, in name order.</param>
/// <param name="ResidentBeforeLoadBytes">Resident memory with the module built, before the load.</param>
/// <param name="PeakResidentDuringLoadBytes">Peak resident memory from the start of the load to its end.</param>
/// <param name="WindowBytes">The library's read-ahead window for this load (Checkpoints.TorchSharp only).</param>
/// <param name="Plan">The library's plan, in one line (Checkpoints.TorchSharp only).</param>
/// <param name="Processors">Processors this process may use.</param>
internal sealed record BenchmarkRun(
    string Loader,
    string Checkpoint,
    double LoadSeconds,
    double ConstructSeconds,
    long ParameterBytes,
    string Digest,
    long ResidentBeforeLoadBytes,
    long PeakResidentDuringLoadBytes,
    long? WindowBytes,
    string? Plan,
    int Processors);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(BenchmarkRun))]
internal sealed partial class BenchmarkJsonContext : JsonSerializerContext;
