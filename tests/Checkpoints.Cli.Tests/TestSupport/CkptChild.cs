using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Checkpoints.Cli.Tests.TestSupport;

/// <summary>
/// A <c>ckpt</c> child process left running, for what needs it alive: signals sent to it mid-command, and the time it
/// takes to end after them. Killed on dispose if it is still running.
/// </summary>
internal sealed class CkptChild : IDisposable
{
    public const int SigInt = 2;
    public const int SigTerm = 15;

    private readonly Process _process;
    private readonly Task<string> _output;
    private readonly Task<string> _error;

    private CkptChild(Process process)
    {
        _process = process;
        _output = process.StandardOutput.ReadToEndAsync();
        _error = process.StandardError.ReadToEndAsync();
    }

    /// <summary>
    /// Starts <c>ckpt</c> with SIGINT at its default disposition: a child of a shell running in the background inherits
    /// it ignored, and a process that ignores Ctrl-C would test nothing.
    /// </summary>
    public static CkptChild Start(IReadOnlyDictionary<string, string> environment, params string[] args) => Start([], environment, args);

    /// <summary>As <see cref="Start(IReadOnlyDictionary{string, string}, string[])"/>, run through <paramref name="wrapper"/> (which must exec, keeping the pid).</summary>
    public static CkptChild Start(IReadOnlyList<string> wrapper, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        new(Process.Start(CkptProcess.StartInfo([.. wrapper, "env", "--default-signal=INT"], environment, args))!);

    /// <summary>Sends <paramref name="signal"/> to the child (<c>env</c> execs <c>dotnet</c>, which runs <c>ckpt</c> in the same process).</summary>
    public void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>The exit code and output once the child ends, or a failure naming <paramref name="timeout"/> when it does not.</summary>
    public async Task<(int ExitCode, string Output, string Error)> WaitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"ckpt (pid {_process.Id}) was still running {timeout.TotalSeconds} s later");
        }

        // Bounded too: a grandchild left running with the same pipes (an orphaned command) would keep them open for ever.
        return (_process.ExitCode, await _output.WaitAsync(timeout), await _error.WaitAsync(timeout));
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    // DllImport, not LibraryImport: the generated stubs need unsafe code, which this project does not allow.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
