using System.Globalization;
using System.Runtime.Versioning;
using System.Text.Json;
using Checkpoints.Cli.Tests.TestSupport;

namespace Checkpoints.Cli.Tests.Commands;

/// <summary>
/// <c>ckpt prefetch --background</c> returns at once with the detached process's pid, status file and log, and
/// <c>ckpt wait</c> reports how it ended: 0 succeeded, 1 failed or vanished, 124 still running at the timeout. Every
/// detached process a test starts is ended by its pid.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class BackgroundPrefetchTests : IDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    private readonly ModelFolder _model = new("ckpt-background-test-", 4L << 20);
    private readonly List<int> _detached = [];

    private string Status => _model.File("status.json");

    private string Locks => _model.File("locks");

    public void Dispose()
    {
        // Each test's detached prefetch has ended, or is ended here.
        foreach (var pid in _detached)
        {
            KillAndWait(pid);
        }

        _model.Dispose();
    }

    [Fact]
    public async Task Background_ThenWait_Succeeds()
    {
        var pid = await StartAsync(new Dictionary<string, string> { ["CKPT_LOCK_DIR"] = Locks }, _model.Checkpoint);

        var (exitCode, output, error) = await CkptProcess.RunAsync(HangGuard, [], new Dictionary<string, string>(), "wait", Status, "--timeout", "50s");

        Assert.True(exitCode == 0, error);
        Assert.StartsWith($"prefetch of {_model.Checkpoint} succeeded: warmed ", output, StringComparison.Ordinal);
        using var status = JsonDocument.Parse(File.ReadAllText(Status));
        Assert.Equal("succeeded", status.RootElement.GetProperty("state").GetString());
        Assert.Equal(pid, status.RootElement.GetProperty("pid").GetInt32());
        Assert.Equal(0, status.RootElement.GetProperty("exitCode").GetInt32());
        Assert.Equal(status.RootElement.GetProperty("bytesPlanned").GetInt64(), status.RootElement.GetProperty("bytes").GetInt64());
        Assert.StartsWith("warmed ", File.ReadAllText(Status + ".log"), StringComparison.Ordinal);
        // Nothing but the status and its log: the temporary file of each write was renamed over the status.
        Assert.Equal(["model", "status.json", "status.json.log"], Directory.GetFileSystemEntries(_model.Directory).Select(Path.GetFileName).Where(static name => name != "locks").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Background_ThenWait_Fails_WhenThePrefetchFails()
    {
        var missing = _model.File("no-model");
        await StartAsync(new Dictionary<string, string>(), missing);

        var (exitCode, output, error) = await CkptProcess.RunAsync(HangGuard, [], new Dictionary<string, string>(), "wait", Status);

        Assert.Equal(1, exitCode);
        Assert.Empty(output);
        Assert.Equal($"ckpt: error: {Status}: the prefetch of {missing} failed with exit code 1: {missing}: no such file or directory; its log is {Status}.log\n", error);
    }

    [Fact]
    public async Task Wait_Is124_AtItsTimeout_WhileThePrefetchStillRuns()
    {
        using var holder = HoldEveryShard();
        var pid = await StartAsync(new Dictionary<string, string> { ["CKPT_LOCK_DIR"] = Locks, ["CKPT_LOCK_PATIENCE"] = "3600" }, _model.Checkpoint);

        var (exitCode, _, error) = await CkptProcess.RunAsync(HangGuard, [], new Dictionary<string, string>(), "wait", Status, "--timeout", "1s");

        Assert.Equal(124, exitCode);
        Assert.Equal($"ckpt: error: {Status}: the prefetch (pid {pid}) is still running after 1 s; wait longer with --timeout, or stop it with 'kill {pid}'\n", error);
    }

    [Fact]
    public async Task Wait_Fails_WhenThePrefetchIsKilledWithoutAFinalStatus()
    {
        using var holder = HoldEveryShard();
        var pid = await StartAsync(new Dictionary<string, string> { ["CKPT_LOCK_DIR"] = Locks, ["CKPT_LOCK_PATIENCE"] = "3600" }, _model.Checkpoint);
        KillAndWait(pid); // SIGKILL: no chance to write a final status.

        var (exitCode, _, error) = await CkptProcess.RunAsync(HangGuard, [], new Dictionary<string, string>(), "wait", Status, "--timeout", "50s");

        Assert.Equal(1, exitCode);
        Assert.Equal($"ckpt: error: {Status}: the prefetch (pid {pid}) ended without a final status (killed, or out of memory?); its log is {Status}.log\n", error);
    }

    [Fact]
    public async Task Background_StatusSaysFailed_WhenThePrefetchIsTerminated()
    {
        using var holder = HoldEveryShard();
        var pid = await StartAsync(new Dictionary<string, string> { ["CKPT_LOCK_DIR"] = Locks, ["CKPT_LOCK_PATIENCE"] = "3600" }, _model.Checkpoint);
        Assert.True(Kill(pid, CkptChild.SigTerm) == 0);

        var (exitCode, _, error) = await CkptProcess.RunAsync(HangGuard, [], new Dictionary<string, string>(), "wait", Status, "--timeout", "50s");

        Assert.Equal(1, exitCode);
        Assert.Contains("failed with exit code 143: cancelled", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wait_Fails_WithoutAStatusFile()
    {
        var (exitCode, _, error) = await CkptProcess.RunAsync(HangGuard, [], new Dictionary<string, string>(), "wait", Status);

        Assert.Equal(1, exitCode);
        Assert.Equal($"ckpt: error: {Status}: no such status file; start the prefetch with 'ckpt prefetch MODEL --background --status {Status}'\n", error);
    }

    /// <summary>Evicts every shard and holds its prefetch lock: a prefetch then waits (a CKPT_LOCK_PATIENCE long) for another process.</summary>
    private CompositeHolder HoldEveryShard()
    {
        foreach (var shard in _model.Shards)
        {
            Assert.True(Checkpoints.Storage.Cache.PageCache.Evict(shard), $"{shard} could not be evicted");
        }

        return new CompositeHolder([.. _model.Shards.Select(shard => PrefetchLockHolder.Hold(Locks, shard))]);
    }

    private sealed class CompositeHolder(PrefetchLockHolder[] holders) : IDisposable
    {
        public void Dispose()
        {
            foreach (var holder in holders)
            {
                holder.Dispose();
            }
        }
    }

    /// <summary>Runs <c>ckpt prefetch MODEL --background --status STATUS</c>, checks what it prints, and returns the detached pid.</summary>
    private async Task<int> StartAsync(Dictionary<string, string> environment, string model)
    {
        var (exitCode, output, error) = await CkptProcess.RunAsync(HangGuard, [], environment, "prefetch", model, "--background", "--status", Status);

        Assert.True(exitCode == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("pid ", lines[0], StringComparison.Ordinal);
        var pid = int.Parse(lines[0]["pid ".Length..], CultureInfo.InvariantCulture);
        _detached.Add(pid);
        Assert.Equal($"status {Status}", lines[1]);
        Assert.Equal($"log {Status}.log", lines[2]);
        return pid;
    }

    /// <summary>
    /// SIGKILL to a detached prefetch of this test (checked by its command line, which names this test's status file: the
    /// pid of one that ended may be another process's by now), then waits until it is gone or a zombie, at most 10 s
    /// (it is not this process's child: whoever adopted it reaps it; a zombie runs nothing).
    /// </summary>
    private void KillAndWait(int pid)
    {
        if (!Read($"/proc/{pid}/cmdline").Contains(Status, StringComparison.Ordinal))
        {
            return;
        }

        if (Kill(pid, 9) != 0)
        {
            return; // Gone between the look and the kill.
        }

        SpinWait.SpinUntil(() => Read($"/proc/{pid}/stat").Split(") ")[^1] is var state && (state.Length == 0 || state.StartsWith('Z')), TimeSpan.FromSeconds(10));
    }

    private static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
