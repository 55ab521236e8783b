using System.Runtime.InteropServices;

namespace Checkpoints.Cli.Infrastructure;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM cancel the command's token, and <c>ckpt</c> waits for the command to stop and clean up
/// (writers remove their partial files) before it exits with 128 + the signal: 130 or 143. System.CommandLine's own
/// handling is off: after its ProcessTerminationTimeout it returns while the command still runs, and the process ends
/// with the command's files half written; and it reports SIGTERM as whatever the command returned, 130 here.
/// A second signal is left to the runtime, which ends the process at once: a way out of a command that does not stop.
/// While <c>exec</c> runs a child (<see cref="ForwardTo"/>), every signal is the child's instead: see there.
/// </summary>
internal sealed class TerminationSignals : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;
    private readonly Lock _lock = new();
    private Action<PosixSignal>? _forward;
    private PosixSignal _received;
    private int _exitCode;

    public TerminationSignals() =>
        _registrations = [Register(PosixSignal.SIGINT, ExitCodes.Cancelled), Register(PosixSignal.SIGTERM, ExitCodes.Terminated)];

    public CancellationToken Token => _source.Token;

    /// <summary>The process's exit code for a command that returned <paramref name="commandExitCode"/>: a cancelled one says which signal.</summary>
    public int ExitCode(int commandExitCode) =>
        commandExitCode == ExitCodes.Cancelled && Volatile.Read(ref _exitCode) is not 0 and var signalled ? signalled : commandExitCode;

    /// <summary>
    /// Until the result is disposed, SIGINT, SIGTERM, SIGHUP and SIGQUIT are passed to <paramref name="forward"/> (which
    /// sends them to the child) and do not end <c>ckpt</c>: it waits for the child and exits with the child's status, so
    /// a signal is never counted as <c>ckpt</c>'s own. SIGINT and SIGTERM still cancel the token (the server is asked to
    /// stop: warming its cache is no longer useful). Every signal is forwarded, the second too: a server may want two
    /// Ctrl-C to stop at once. A signal that came while the child was being started is forwarded now.
    /// </summary>
    public IDisposable ForwardTo(Action<PosixSignal> forward)
    {
        PosixSignal pending;
        lock (_lock)
        {
            _forward = forward;
            pending = _received;
            // The child's status is what ckpt exits with, whatever it makes of the signal.
            _exitCode = 0;
        }

        if (pending != 0)
        {
            forward(pending);
        }

        // SIGHUP and SIGQUIT are only ckpt's concern while it stands in for a child: otherwise they keep their default.
        PosixSignalRegistration[] more = [.. new[] { PosixSignal.SIGHUP, PosixSignal.SIGQUIT }.Select(signal => PosixSignalRegistration.Create(signal, context =>
        {
            context.Cancel = true;
            forward(context.Signal);
        }))];
        return new Forwarding(this, more);
    }

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
        Action<PosixSignal>? forward;
        lock (_lock)
        {
            forward = _forward;
            if (forward is null)
            {
                _received = _received == 0 ? signal : _received;
            }
        }

        if (forward is not null)
        {
            context.Cancel = true;
            forward(signal);
            _source.Cancel();
            return;
        }

        if (Interlocked.CompareExchange(ref _exitCode, exitCode, 0) == 0)
        {
            context.Cancel = true;
            _source.Cancel();
        }
    });

    private sealed class Forwarding(TerminationSignals owner, PosixSignalRegistration[] registrations) : IDisposable
    {
        public void Dispose()
        {
            foreach (var registration in registrations)
            {
                registration.Dispose();
            }

            lock (owner._lock)
            {
                owner._forward = null;
            }
        }
    }
}
