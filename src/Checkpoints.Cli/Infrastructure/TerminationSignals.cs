using System.Runtime.InteropServices;

namespace Checkpoints.Cli.Infrastructure;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM cancel the command's token, and <c>ckpt</c> waits for the command to stop and clean up
/// (writers remove their partial files) before it exits with 128 + the signal: 130 or 143. System.CommandLine's own
/// handling is off: after its ProcessTerminationTimeout it returns while the command still runs, and the process ends
/// with the command's files half written; and it reports SIGTERM as whatever the command returned, 130 here.
/// A second signal is left to the runtime, which ends the process at once: a way out of a command that does not stop.
/// </summary>
internal sealed class TerminationSignals : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _exitCode;

    public TerminationSignals() =>
        _registrations = [Register(PosixSignal.SIGINT, ExitCodes.Cancelled), Register(PosixSignal.SIGTERM, ExitCodes.Terminated)];

    public CancellationToken Token => _source.Token;

    /// <summary>The process's exit code for a command that returned <paramref name="commandExitCode"/>: a cancelled one says which signal.</summary>
    public int ExitCode(int commandExitCode) =>
        commandExitCode == ExitCodes.Cancelled && Volatile.Read(ref _exitCode) is not 0 and var signalled ? signalled : commandExitCode;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _source.Dispose();
    }

    private PosixSignalRegistration Register(PosixSignal signal, int exitCode) => PosixSignalRegistration.Create(signal, context =>
    {
        if (Interlocked.CompareExchange(ref _exitCode, exitCode, 0) == 0)
        {
            context.Cancel = true;
            _source.Cancel();
        }
    });
}
