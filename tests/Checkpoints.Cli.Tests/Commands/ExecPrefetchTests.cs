using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using Checkpoints.Cli.Tests.TestSupport;
using Checkpoints.Format;
using Checkpoints.Storage.Cache;
using Checkpoints.Synthesis;

namespace Checkpoints.Cli.Tests.Commands;

/// <summary>
/// The prefetch beside <c>ckpt exec</c>'s command, seen through <c>--progress json</c> on standard error: it runs to the
/// end while the command runs, and stops at once when the command exits first (here, while it waits for a file another
/// process holds, with an hour of patience).
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ExecPrefetchTests : IDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    private readonly string _directory = Directory.CreateTempSubdirectory("ckpt-exec-prefetch-test-").FullName;
    private readonly string _checkpoint;
    private readonly IReadOnlyList<string> _shards;

    public ExecPrefetchTests()
    {
        _checkpoint = Path.Combine(_directory, "model");
        Directory.CreateDirectory(_checkpoint);
        _shards = SyntheticCheckpoint.Write(_checkpoint, 8L << 20, 2, DType.BF16);
    }

    private string Locks => Path.Combine(_directory, "locks");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Exec_PrefetchRunsToTheEnd_WhileTheCommandRuns()
    {
        Evict();

        var (exitCode, output, error) = await CkptProcess.RunAsync(HangGuard, [], new Dictionary<string, string> { ["CKPT_LOCK_DIR"] = Locks },
            "exec", _checkpoint, "--progress", "json", "--", "sh", "-c", "sleep 2; echo served");

        Assert.True(exitCode == 0, error);
        Assert.Equal("served\n", output);
        var events = ProgressEventLines.Parse(error);
        var names = ProgressEventLines.Names(events);
        Assert.Equal("plan", names[0]);
        Assert.Equal(["prefetch-done", "result"], names[^2..]);
        Assert.Equal(2, names.Count(static name => name == "file-start"));
        Assert.Equal(2, names.Count(static name => name == "file-done"));
        var done = ProgressEventLines.Single(events, "prefetch-done");
        Assert.Equal("done", done.GetProperty("state").GetString());
        Assert.Equal(done.GetProperty("bytesPlanned").GetInt64(), done.GetProperty("bytes").GetInt64());
        // Done well before the command's two seconds were up: it ran beside the command, not after it.
        Assert.True(Time(ProgressEventLines.Single(events, "result")) - Time(done) > TimeSpan.FromSeconds(1), error);
        var result = ProgressEventLines.Single(events, "result");
        Assert.True(result.GetProperty("ok").GetBoolean());
        Assert.Equal(0, result.GetProperty("exitCode").GetInt32());
        Assert.Equal("done", result.GetProperty("prefetch").GetString());
    }

    [Fact]
    public async Task Exec_StopsThePrefetchPromptly_WhenTheCommandExitsFirst()
    {
        Evict();
        using var holder = PrefetchLockHolder.Hold(Locks, _shards[0]);
        using var held = PrefetchLockHolder.Hold(Locks, _shards[1]);
        var clock = Stopwatch.StartNew();

        var (exitCode, output, error) = await CkptProcess.RunAsync(HangGuard, [],
            new Dictionary<string, string> { ["CKPT_LOCK_DIR"] = Locks, ["CKPT_LOCK_PATIENCE"] = "3600" },
            "exec", _checkpoint, "--progress", "json", "--", "sh", "-c", "sleep 1; echo served; exit 3");

        Assert.True(exitCode == 3, error);
        Assert.Equal("served\n", output);
        // The prefetch waits an hour for the held files; ckpt ends with the command, give or take the start-up.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"ckpt took {clock.Elapsed} after a command of one second");
        var events = ProgressEventLines.Parse(error);
        Assert.Contains(events, static e => e.GetProperty("event").GetString() == "warning" && e.GetProperty("message").GetString()!.Contains("another process on this node is warming it", StringComparison.Ordinal));
        Assert.Equal("cancelled", ProgressEventLines.Single(events, "prefetch-done").GetProperty("state").GetString());
        var result = ProgressEventLines.Single(events, "result");
        Assert.False(result.GetProperty("ok").GetBoolean());
        Assert.Equal(3, result.GetProperty("exitCode").GetInt32());
        Assert.Equal("result", ProgressEventLines.Names(events)[^1]);
    }

    private static DateTime Time(System.Text.Json.JsonElement e) =>
        DateTime.Parse(e.GetProperty("time").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private void Evict()
    {
        foreach (var shard in _shards)
        {
            Assert.True(PageCache.Evict(shard), $"{shard} could not be evicted");
        }
    }
}
