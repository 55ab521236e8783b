using System.Runtime.Versioning;
using Checkpoints.Cli.Tests.TestSupport;

namespace Checkpoints.Cli.Tests.Commands;

/// <summary>
/// <c>ckpt exec</c> in a child process, running real commands (<c>sh</c>): the command's exit code is ckpt's, a command
/// that cannot be started is 127 or 126 as in a shell, the command's standard output carries only its own output,
/// and a prefetch that fails leaves the command running.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ExecCommandTests : IDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    private readonly ModelFolder _model = new("ckpt-exec-test-", 4L << 20);

    public void Dispose() => _model.Dispose();

    [Theory]
    [InlineData("exit 0", 0)]
    [InlineData("exit 7", 7)]
    [InlineData("exit 255", 255)]
    public async Task Exec_ExitsWithTheCommandsExitCode(string script, int expected)
    {
        var (exitCode, _, error) = await ExecAsync("sh", "-c", script);

        Assert.True(exitCode == expected, $"exit code {exitCode}, expected {expected}; standard error: {error}");
    }

    [Fact]
    public async Task Exec_Exits128PlusTheSignal_WhenTheCommandDiesOfOne()
    {
        var (exitCode, _, error) = await ExecAsync("sh", "-c", "kill -TERM $$");

        Assert.True(exitCode == 143, $"exit code {exitCode}; standard error: {error}");
    }

    [Fact]
    public async Task Exec_LeavesStandardOutputToTheCommand()
    {
        var (exitCode, output, error) = await ExecAsync("sh", "-c", "echo server-line-1; sleep 1; echo server-line-2");

        Assert.True(exitCode == 0, error);
        Assert.Equal($"server-line-1\nserver-line-2\n", output);
        // ckpt said what its prefetch did (done, or stopped if the command was quicker), on standard error.
        Assert.Contains("ckpt: prefetch ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exec_PassesTheArgumentsAsGiven_IncludingOptionsAndDoubleDashes()
    {
        var (exitCode, output, error) = await ExecAsync("sh", "-c", "printf '[%s]' \"$@\"", "sh", "--port", "8000", "--", "a b", "-v");

        Assert.True(exitCode == 0, error);
        Assert.Equal("[--port][8000][--][a b][-v]", output);
    }

    [Fact]
    public async Task Exec_Is127_WhenTheCommandIsNotFound()
    {
        var (exitCode, output, error) = await ExecAsync("ckpt-test-no-such-command");

        Assert.Equal(127, exitCode);
        Assert.Empty(output);
        Assert.StartsWith("ckpt: error: ckpt-test-no-such-command: command not found (searched PATH=", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public async Task Exec_Is127_WhenAPathToTheCommandDoesNotExist()
    {
        var missing = _model.File("missing-server");

        var (exitCode, _, error) = await ExecAsync(missing);

        Assert.Equal(127, exitCode);
        Assert.Equal($"ckpt: error: {missing}: no such file\n", error);
    }

    [Fact]
    public async Task Exec_Is126_WhenTheCommandIsNotExecutable()
    {
        var script = _model.File("server.sh");
        File.WriteAllText(script, "#!/bin/sh\necho never\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var (exitCode, output, error) = await ExecAsync(script);

        Assert.Equal(126, exitCode);
        Assert.Empty(output);
        Assert.Equal($"ckpt: error: {script}: permission denied (not executable: chmod +x it, or run it through its interpreter)\n", error);
    }

    [Fact]
    public async Task Exec_Is126_WhenTheCommandIsADirectory()
    {
        var (exitCode, _, error) = await ExecAsync(_model.Directory);

        Assert.Equal(126, exitCode);
        Assert.Equal($"ckpt: error: {_model.Directory}: is a directory\n", error);
    }

    [Fact]
    public async Task Exec_FindsTheCommandOnPath()
    {
        var bin = _model.File("bin");
        Directory.CreateDirectory(bin);
        var server = Path.Combine(bin, "ckpt-test-server");
        File.WriteAllText(server, "#!/bin/sh\necho from-path\n");
        File.SetUnixFileMode(server, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var (exitCode, output, error) = await CkptProcess.RunAsync(HangGuard, [], new Dictionary<string, string> { ["PATH"] = $"{bin}:/usr/bin:/bin" },
            "exec", _model.Checkpoint, "--", "ckpt-test-server");

        Assert.True(exitCode == 0, error);
        Assert.Equal("from-path\n", output);
    }

    [Theory]
    [InlineData("sh", "-c", "exit 0")]
    [InlineData("--")]
    public async Task Exec_IsAUsageError_WithoutADoubleDashOrACommand(params string[] rest)
    {
        var (exitCode, output, error) = await CkptProcess.RunAsync(HangGuard, [], new Dictionary<string, string>(), ["exec", _model.Checkpoint, .. rest]);

        Assert.Equal(2, exitCode);
        Assert.Empty(output);
        Assert.Contains("after --", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exec_RunsTheCommand_WhenThePrefetchFails()
    {
        var missing = _model.File("no-model");

        var (exitCode, output, error) = await CkptProcess.RunAsync(HangGuard, [], new Dictionary<string, string>(), "exec", missing, "--", "sh", "-c", "echo served; exit 3");

        Assert.Equal(3, exitCode);
        Assert.Equal("served\n", output);
        Assert.Contains($"ckpt: warning: the prefetch failed, the command runs without it: {missing}: no such file or directory", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exec_WritesItsLinesToTheLog_WhenGivenOne()
    {
        var log = _model.File("ckpt.log");

        var (exitCode, output, error) = await CkptProcess.RunAsync(HangGuard, [], new Dictionary<string, string>(),
            "exec", _model.Checkpoint, "--log", log, "--progress", "json", "--", "sh", "-c", "sleep 1; echo served");

        Assert.True(exitCode == 0, error);
        Assert.Equal("served\n", output);
        Assert.Empty(error);
        var events = ProgressEventLines.Parse(File.ReadAllText(log));
        Assert.Equal("result", ProgressEventLines.Names(events)[^1]);
    }

    private Task<(int ExitCode, string Output, string Error)> ExecAsync(params string[] command) =>
        CkptProcess.RunAsync(HangGuard, [], new Dictionary<string, string>(), ["exec", _model.Checkpoint, "--", .. command]);
}
