using System.Runtime.InteropServices;

namespace Checkpoints.Cli.Infrastructure;

/// <summary>
/// The few system calls <c>exec</c> and the detached prefetch need that .NET does not offer: sending a signal to a child,
/// starting a session, asking whether a file may be executed, and whether the terminal's keyboard speaks to this process.
/// The library's own calls stay internal to it; these are the tool's.
/// </summary>
internal static partial class Posix
{
    /// <summary>Linux's numbers for the signals <c>exec</c> forwards (the runtime's <see cref="PosixSignal"/> values are its own).</summary>
    public static int Number(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGHUP => 1,
        PosixSignal.SIGINT => 2,
        PosixSignal.SIGQUIT => 3,
        PosixSignal.SIGTERM => 15,
        _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "not a signal exec forwards"),
    };

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false when it is gone (or not ours).</summary>
    public static bool Kill(int pid, int signal) => NativeKill(pid, signal) == 0;

    /// <summary>Whether <paramref name="pid"/> is a live process (signal 0 checks without sending; EPERM means it exists).</summary>
    public static bool IsAlive(int pid) => pid > 0 && (NativeKill(pid, 0) == 0 || Marshal.GetLastPInvokeError() == 1);

    /// <summary>Makes this process the leader of a new session, without a controlling terminal; false if it already leads a group.</summary>
    public static bool StartSession() => NativeSetsid() >= 0;

    /// <summary>Whether this process may execute <paramref name="path"/> (access(2) with X_OK: the real user's permission).</summary>
    public static bool IsExecutable(string path) => NativeAccess(path, 1) == 0;

    /// <summary>
    /// Whether this process's group is the foreground group of its controlling terminal: then Ctrl-C and Ctrl-\ reach
    /// every process of the group, a child started without a group of its own included.
    /// </summary>
    public static bool IsInTerminalForeground()
    {
        try
        {
            using var terminal = File.OpenHandle("/dev/tty", FileMode.Open, FileAccess.Read);
            var foreground = NativeTcgetpgrp((int)terminal.DangerousGetHandle());
            return foreground > 0 && foreground == NativeGetpgrp();
        }
        catch (IOException)
        {
            return false; // No controlling terminal (a container, a service, a detached session).
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Makes <paramref name="target"/> a copy of descriptor <paramref name="source"/> (without close-on-exec); negative on failure.</summary>
    public static int Dup2(int source, int target) => NativeDup2(source, target);

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int NativeDup2(int source, int target);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int NativeKill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "setsid", SetLastError = true)]
    private static partial int NativeSetsid();

    [LibraryImport("libc", EntryPoint = "access", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int NativeAccess(string path, int mode);

    [LibraryImport("libc", EntryPoint = "tcgetpgrp", SetLastError = true)]
    private static partial int NativeTcgetpgrp(int fd);

    [LibraryImport("libc", EntryPoint = "getpgrp")]
    private static partial int NativeGetpgrp();
}
