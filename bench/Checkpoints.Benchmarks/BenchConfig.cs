using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Checkpoints.Benchmarks;

/// <summary>
/// The one configuration every benchmark here shares, on top of BenchmarkDotNet's defaults (console log, GitHub
/// Markdown tables): a short job, since the machine is small and shared (3 warm-ups, 3 iterations, run in process to
/// spare a project build per benchmark), and allocations measured.
/// </summary>
public sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortRun-InProcess"));
        AddDiagnoser(MemoryDiagnoser.Default);
    }
}
