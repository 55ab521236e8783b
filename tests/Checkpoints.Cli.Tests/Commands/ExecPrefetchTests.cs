using System.Globalization;
using System.Runtime.Versioning;
using System.Text.Json;
using Checkpoints.Cli.Tests.TestSupport;
using Checkpoints.Storage.Cache;

namespace Checkpoints.Cli.Tests.Commands;

/// <summary>
/// The prefetch beside <c>ckpt exec</c>'s command, seen through <c>--progress json</c> events in <c>--log</c>, which the
/// command itself watches to choose its moment: it runs to the end while the command runs, and stops at once when the
/// command exits first (here, while it waits for files another process holds, with an hour of patience).
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ExecPrefetchTests : IDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(90);

    private readonly ModelFolder _model = new("ckpt-exec-prefetch-test-", 8L << 20);

    private string Locks => _model.File("locks");

    private string Log => _model.File("ckpt.log");

    public void Dispose() => _model.Dispose();

    [Fact]
    public async Task Exec_PrefetchRunsToTheEnd_WhileTheCommandRuns()
    {
        Evict();

        // The command runs on for a second after the prefetch said it was done.
        var (exitCode, output, error) = await ExecAsync([], WaitFor("prefetch-done") + "sleep 1; echo served");

        Assert.True(exitCode == 0, error);
        Assert.Equal("served\n", output);
        Assert.Empty(error);
        var events = ProgressEventLines.Parse(File.ReadAllText(Log));
        var names = ProgressEventLines.Names(events);
        Assert.Equal("plan", names[0]);
        Assert.Equal(["prefetch-done", "result"], names[^2..]);
        Assert.Equal(_model.Shards.Count, names.Count(static name => name == "file-start"));
        Assert.Equal(_model.Shards.Count, names.Count(static name => name == "file-done"));
        var done = ProgressEventLines.Single(events, "prefetch-done");
        Assert.Equal("done", done.GetProperty("state").GetString());
        Assert.Equal(done.GetProperty("bytesPlanned").GetInt64(), done.GetProperty("bytes").GetInt64());
        var result = ProgressEventLines.Single(events, "result");
        Assert.True(Time(result) - Time(done) >= TimeSpan.FromSeconds(1), "the prefetch was not done a second before the command ended");
        Assert.True(result.GetProperty("ok").GetBoolean());
        Assert.Equal(0, result.GetProperty("exitCode").GetInt32());
        Assert.Equal("done", result.GetProperty("prefetch").GetString());
    }

    [Fact]
    public async Task Exec_StopsThePrefetchPromptly_WhenTheCommandExitsFirst()
    {
        Evict();
        var holders = _model.Shards.Select(shard => PrefetchLockHolder.Hold(Locks, shard)).ToArray();
        try
        {
            // The command ends once the prefetch waits for held bytes (which it would do for an hour).
            var (exitCode, output, error) = await ExecAsync(new() { ["CKPT_LOCK_PATIENCE"] = "3600" },
                WaitFor("another process on this node is warming them") + "echo served; exit 3");

            Assert.True(exitCode == 3, error);
            Assert.Equal("served\n", output);
            var events = ProgressEventLines.Parse(File.ReadAllText(Log));
            var waiting = events.First(static e => e.GetProperty("event").GetString() == "warning");
            Assert.Contains("another process on this node is warming them", waiting.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Equal("cancelled", ProgressEventLines.Single(events, "prefetch-done").GetProperty("state").GetString());
            var result = ProgressEventLines.Single(events, "result");
            Assert.False(result.GetProperty("ok").GetBoolean());
            Assert.Equal(3, result.GetProperty("exitCode").GetInt32());
            Assert.Equal("result", ProgressEventLines.Names(events)[^1]);
            // From the wait starting to ckpt's last line: the command's exit (polled every 50 ms) and the prefetch's stop.
            Assert.True(Time(result) - Time(waiting) < TimeSpan.FromSeconds(5), $"ckpt ended {Time(result) - Time(waiting)} after the prefetch began to wait");
        }
        finally
        {
            foreach (var holder in holders)
            {
                holder.Dispose();
            }
        }
    }

    /// <summary>Shell lines that wait (30 s at most) until ckpt's log holds <paramref name="text"/>.</summary>
    private string WaitFor(string text) =>
        $"i=0; until grep -q '{text}' '{Log}' 2>/dev/null || [ $i -ge 600 ]; do sleep 0.05; i=$((i+1)); done; ";

    private Task<(int ExitCode, string Output, string Error)> ExecAsync(Dictionary<string, string> environment, string script)
    {
        environment["CKPT_LOCK_DIR"] = Locks;
        return CkptProcess.RunAsync(HangGuard, [], environment, "exec", _model.Checkpoint, "--progress", "json", "--log", Log, "--", "sh", "-c", script);
    }

    private static DateTime Time(JsonElement e) =>
        DateTime.Parse(e.GetProperty("time").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private void Evict()
    {
        foreach (var shard in _model.Shards)
        {
            Assert.True(PageCache.Evict(shard), $"{shard} could not be evicted");
        }
    }
}
