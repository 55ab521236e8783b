using Checkpoints.Cli.Tests.TestSupport;
using Checkpoints.Format;
using Checkpoints.Synthesis;

namespace Checkpoints.Cli.Tests.Commands;

/// <summary><c>--metrics</c> in a process of its own: the meter is process-wide, so in-process tests would count each other.</summary>
public sealed class MetricsOptionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ckpt-metrics-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Load_WithMetrics_WritesTheBytesHandedOutAndPrefetched()
    {
        SyntheticCheckpoint.Write(_directory, 2L << 20, 2, DType.BF16);
        using var checkpoint = Checkpoint.Open(_directory);
        var tensorBytes = checkpoint.TotalTensorBytes;
        var fileBytes = checkpoint.Shards.Sum(static shard => shard.FileLength);

        var (exitCode, _, error) = await CkptProcess.RunAsync([], new Dictionary<string, string>(), "load", _directory, "--strategy", "prefetch", "--metrics");

        Assert.True(exitCode == 0, error);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains($"ckpt: metrics: checkpoints.load.bytes{{file_system.class=local,load.access=map,load.strategy=prefetch}} {tensorBytes} By", lines);
        Assert.Contains($"ckpt: metrics: checkpoints.prefetch.bytes{{file_system.class=local}} {fileBytes} By", lines);
        Assert.Contains(lines, static line => line.StartsWith("ckpt: metrics: checkpoints.open.duration 1 x, total ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FailedOpen_WithMetrics_CountsTheErrorByKind()
    {
        var missing = Path.Combine(_directory, "missing.safetensors");

        var (exitCode, _, error) = await CkptProcess.RunAsync([], new Dictionary<string, string>(), "plan", missing, "--metrics");

        Assert.Equal(1, exitCode);
        Assert.Contains("ckpt: metrics: checkpoints.errors{error.type=FileNotFoundException,operation=open} 1 {error}", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_WithoutMetrics_WritesNone()
    {
        SyntheticCheckpoint.Write(_directory, 1L << 20, 1, DType.BF16);

        var (exitCode, _, error) = await CkptProcess.RunAsync([], new Dictionary<string, string>(), "plan", _directory);

        Assert.Equal(0, exitCode);
        Assert.DoesNotContain("ckpt: metrics:", error, StringComparison.Ordinal);
    }
}
