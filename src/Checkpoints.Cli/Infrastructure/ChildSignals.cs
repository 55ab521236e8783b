using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Checkpoints.Cli.Infrastructure;

/// <summary>
/// Sends the signals ckpt receives on to the command <c>exec</c> runs. It takes signals before the command is started
/// (a signal in between would otherwise hit ckpt with its default action: SIGHUP would end ckpt and orphan the command)
/// and sends those once the command runs.
/// </summary>
internal sealed class ChildSignals
{
    private readonly Lock _lock = new();
    private readonly List<PosixSignal> _pending = [];
    // 0 before the command runs, its pid while it runs, -1 once it has ended (its pid may be another process's then).
    private int _pid;

    /// <summary>The command is running: signals that came before are sent to it now, in order.</summary>
    public void Started(Process child)
    {
        PosixSignal[] pending;
        lock (_lock)
        {
            _pid = child.Id;
            pending = [.. _pending];
            _pending.Clear();
        }

        foreach (var signal in pending)
        {
            Send(child.Id, signal);
        }
    }

    /// <summary>The command has ended and been reaped: signals from now on are ckpt's last moments', and dropped.</summary>
    public void Exited()
    {
        lock (_lock)
        {
            _pid = -1;
        }
    }

    public void Forward(PosixSignal signal)
    {
        int pid;
        lock (_lock)
        {
            pid = _pid;
            if (pid == 0)
            {
                _pending.Add(signal);
                return;
            }
        }

        if (pid > 0)
        {
            Send(pid, signal);
        }
    }

    /// <summary>
    /// Ctrl-C and Ctrl-\ typed at a terminal reach the whole foreground process group, the command included (it is in
    /// ckpt's group): sending it another would be a second Ctrl-C, which many servers take as "stop now, without
    /// cleaning up". So those two are not forwarded while ckpt is in the terminal's foreground; from anywhere else (kill,
    /// a container runtime, a supervisor) every signal is.
    /// </summary>
    private static void Send(int pid, PosixSignal signal)
    {
        if (signal is PosixSignal.SIGINT or PosixSignal.SIGQUIT && Posix.IsInTerminalForeground())
        {
            return;
        }

        Posix.Kill(pid, Posix.Number(signal));
    }
}
