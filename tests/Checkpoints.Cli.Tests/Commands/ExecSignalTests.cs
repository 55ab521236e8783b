using System.Runtime.Versioning;
using Checkpoints.Cli.Tests.TestSupport;

namespace Checkpoints.Cli.Tests.Commands;

/// <summary>
/// Signals sent to <c>ckpt exec</c> reach the command, which decides what to do with them; ckpt waits for it and exits
/// with its status. The command is a shell that traps the signal, says so and exits with a code of its choosing.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ExecSignalTests : IDisposable
{
    private const int SigHup = 1;
    private static readonly TimeSpan AfterSignal = TimeSpan.FromSeconds(15);

    private readonly ModelFolder _model = new("ckpt-exec-signal-test-", 4L << 20);

    public void Dispose() => _model.Dispose();

    [Theory]
    [InlineData(CkptChild.SigTerm, "TERM", 42)]
    [InlineData(CkptChild.SigInt, "INT", 5)]
    [InlineData(SigHup, "HUP", 9)]
    public async Task Exec_ForwardsTheSignal_AndExitsWithTheCommandsCode(int signal, string name, int commandExitCode)
    {
        var ready = _model.File("ready");
        var script = $"trap 'echo got-{name}; exit {commandExitCode}' {name}; touch '{ready}'; while :; do sleep 0.05; done";
        using var child = StartExec("sh", "-c", script);

        await WaitForFileAsync(ready);
        child.Signal(signal);
        var (exitCode, output, error) = await child.WaitAsync(AfterSignal);

        Assert.True(exitCode == commandExitCode, $"exit code {exitCode}; standard error: {error}");
        Assert.Equal($"got-{name}\n", output);
        Assert.DoesNotContain("cancelled", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exec_Exits143_WhenTheForwardedSigtermKillsTheCommand()
    {
        var ready = _model.File("ready");
        // No trap: the shell dies of the signal, as a server without a handler would.
        using var child = StartExec("sh", "-c", $"touch '{ready}'; while :; do sleep 0.05; done");

        await WaitForFileAsync(ready);
        child.Signal(CkptChild.SigTerm);
        var (exitCode, _, error) = await child.WaitAsync(AfterSignal);

        Assert.True(exitCode == 143, $"exit code {exitCode}; standard error: {error}");
    }

    /// <summary>
    /// <c>ckpt exec</c> in a session of its own: run from a terminal, the tests' process group is the terminal's
    /// foreground, where ckpt leaves Ctrl-C to the terminal and does not forward SIGINT; without a terminal, every signal is forwarded.
    /// </summary>
    private CkptChild StartExec(params string[] command) =>
        CkptChild.Start(["setsid"], new Dictionary<string, string>(), ["exec", _model.Checkpoint, "--", .. command]);

    private static async Task WaitForFileAsync(string path)
    {
        for (var waited = TimeSpan.Zero; waited < TimeSpan.FromSeconds(60); waited += TimeSpan.FromMilliseconds(20))
        {
            if (File.Exists(path))
            {
                return;
            }

            await Task.Delay(20);
        }

        Assert.Fail($"the command never created {path}");
    }
}
