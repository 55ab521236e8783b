using Checkpoints.Cli.Tests.TestSupport;
using Checkpoints.Format;
using Checkpoints.Synthesis;

namespace Checkpoints.Cli.Tests.Commands;

/// <summary>
/// <c>--progress json</c> on prefetch and load: standard output is JSON lines only, one object each, in the order
/// plan, then a file-start and a file-done per file, progress among them, and result last; a failure still ends with a
/// result. With --json, which writes to standard output too, it is a usage error.
/// </summary>
public sealed class ProgressJsonTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ckpt-progress-json-test-").FullName;
    private readonly IReadOnlyList<string> _shards;

    public ProgressJsonTests() =>
        _shards = [.. SyntheticCheckpoint.Write(_directory, 4L << 20, 3, DType.BF16).Where(static file => file.EndsWith(".safetensors", StringComparison.Ordinal))];

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("prefetch")]
    [InlineData("load")]
    public async Task ProgressJson_WritesTheEventSequence(string command)
    {
        var (exitCode, output, error) = await CliRunner.RunAsync(command, _directory, "--progress", "json", "--block-size", "256KiB");

        Assert.True(exitCode == 0, error);
        var events = ProgressEventLines.Parse(output);
        var names = ProgressEventLines.Names(events);
        Assert.Equal("plan", names[0]);
        Assert.Equal("result", names[^1]);
        Assert.Equal(_shards.Count, ProgressEventLines.Single(events, "plan").GetProperty("files").GetArrayLength());
        foreach (var shard in _shards)
        {
            var start = Array.FindIndex(events.ToArray(), e => e.GetProperty("event").GetString() == "file-start" && e.GetProperty("path").GetString() == shard);
            var done = Array.FindIndex(events.ToArray(), e => e.GetProperty("event").GetString() == "file-done" && e.GetProperty("path").GetString() == shard);
            Assert.True(start > 0 && done > start, $"{shard}: file-start at {start}, file-done at {done} in {string.Join(", ", names)}");
            Assert.True(events[done].GetProperty("seconds").GetDouble() >= 0);
        }

        Assert.Contains("progress", names);
        var lastProgress = events.Last(static e => e.GetProperty("event").GetString() == "progress");
        Assert.Equal(lastProgress.GetProperty("bytesTotal").GetInt64(), lastProgress.GetProperty("bytesDone").GetInt64());
        var result = events[^1];
        Assert.True(result.GetProperty("ok").GetBoolean());
        Assert.Equal(0, result.GetProperty("exitCode").GetInt32());
        Assert.Equal(lastProgress.GetProperty("bytesTotal").GetInt64(), result.GetProperty("bytes").GetInt64());
    }

    [Theory]
    [InlineData("prefetch")]
    [InlineData("load")]
    public async Task ProgressJson_EndsWithAFailedResult_WhenTheCheckpointIsMissing(string command)
    {
        var missing = Path.Combine(_directory, "missing");

        var (exitCode, output, error) = await CliRunner.RunAsync(command, missing, "--progress", "json");

        Assert.Equal(1, exitCode);
        var result = Assert.Single(ProgressEventLines.Parse(output));
        Assert.Equal("result", result.GetProperty("event").GetString());
        Assert.False(result.GetProperty("ok").GetBoolean());
        Assert.Equal(1, result.GetProperty("exitCode").GetInt32());
        Assert.Contains(missing, result.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.StartsWith($"ckpt: error: {missing}", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("prefetch")]
    [InlineData("load")]
    public async Task ProgressJson_WithJson_IsAUsageError(string command)
    {
        var (exitCode, output, error) = await CliRunner.RunAsync(command, _directory, "--progress", "json", "--json");

        Assert.Equal(2, exitCode);
        Assert.Empty(output);
        Assert.Contains("--json and --progress json both write to standard output", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Progress_RejectsAnUnknownFormat()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("prefetch", _directory, "--progress", "xml");

        Assert.Equal(2, exitCode);
        Assert.Contains("--progress: 'xml' is not a format; use text or json", error, StringComparison.Ordinal);
    }
}
