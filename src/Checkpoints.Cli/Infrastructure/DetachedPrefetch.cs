using System.Diagnostics;
using System.Reflection;
using Checkpoints.Cli.Output;
using Microsoft.Win32.SafeHandles;

namespace Checkpoints.Cli.Infrastructure;

/// <summary>
/// <c>ckpt prefetch --background</c>: runs the same prefetch as a detached copy of <c>ckpt</c> (the same arguments but
/// <c>--background</c>, with <c>--status</c>), and returns once the copy has written its first status. The copy is told
/// by <see cref="LogVariable"/> to leave the caller's session before anything else (<see cref="EnterIfAsked"/>), so
/// closing the terminal, Ctrl-C there or the caller's exit do not stop it.
/// </summary>
internal static class DetachedPrefetch
{
    /// <summary>Set for the copy only: the file its standard output and error go to. Its presence is what makes the copy detach.</summary>
    public const string LogVariable = "CKPT_DETACHED_LOG";

    /// <summary>Whether this process is such a copy (set first thing, by <see cref="EnterIfAsked"/>).</summary>
    public static bool IsDetached { get; private set; }

    // The copy writes its status within a second (the runtime's start and the argument parsing); this is a hang guard.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// In the copy, first thing: a new session (no controlling terminal, its own process group: no SIGHUP or Ctrl-C from
    /// the caller's terminal), standard input from /dev/null, standard output and error appended to the log.
    /// </summary>
    public static void EnterIfAsked()
    {
        if (Environment.GetEnvironmentVariable(LogVariable) is not { Length: > 0 } log)
        {
            return;
        }

        Environment.SetEnvironmentVariable(LogVariable, null);
        IsDetached = true;
        Posix.StartSession();
        using var input = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Read);
        using var output = File.OpenHandle(log, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        Redirect(input, 0);
        Redirect(output, 1);
        Redirect(output, 2);
    }

    /// <summary>Starts the copy with <paramref name="arguments"/> and waits until its status file names it (or it has ended).</summary>
    public static async Task<int> StartAsync(CliConsole console, IReadOnlyList<string> arguments, string statusPath, CancellationToken cancellationToken)
    {
        var status = Path.GetFullPath(statusPath);
        var log = LogOf(status);
        // A stale status (an earlier run's) must not be taken for the copy's first word.
        File.Delete(status);

        // Pipes of its own for the standard streams, closed here at once (the copy replaces them before it writes): left
        // to inherit this process's, the copy also inherited the runtime's own copies of them, and a caller reading this
        // process's output (a shell's $(...)) waited until the copy ended.
        var info = new ProcessStartInfo(Environment.ProcessPath!)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            // Run as "dotnet ckpt.dll": the host needs the program again. (Not Assembly.Location, which is empty in a
            // single-file or native build; this branch only runs under the dotnet host, where the dll sits in the base directory.)
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, Assembly.GetEntryAssembly()!.GetName().Name + ".dll"));
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment[LogVariable] = log;
        using var copy = Process.Start(info) ?? throw new IOException($"{Environment.ProcessPath}: could not start a copy of ckpt");
        copy.StandardInput.Close();
        copy.StandardOutput.Close();
        copy.StandardError.Close();
        var deadline = Stopwatch.StartNew();
        while (TryRead(status)?.Pid != copy.Id)
        {
            if (copy.HasExited)
            {
                // The copy may have written its status just before it ended: one more look settles it.
                if (TryRead(status)?.Pid == copy.Id)
                {
                    break;
                }

                throw new IOException($"the background prefetch (pid {copy.Id}) ended with exit code {copy.ExitCode} before it wrote {status}; its log is {log}");
            }

            if (deadline.Elapsed > StartTimeout)
            {
                throw new IOException($"the background prefetch (pid {copy.Id}) wrote no status to {status} in {StartTimeout.TotalSeconds:0} s; its log is {log}");
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }

        await console.OutWriter.WriteLineAsync($"pid {copy.Id}").ConfigureAwait(false);
        await console.OutWriter.WriteLineAsync($"status {status}").ConfigureAwait(false);
        await console.OutWriter.WriteLineAsync($"log {log}").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>Where the detached copy's output goes: beside its status file.</summary>
    public static string LogOf(string statusPath) => Path.GetFullPath(statusPath) + ".log";

    /// <summary>A status file of its own when none is given: in the temporary folder, named so that two runs never share one.</summary>
    public static string DefaultStatusPath() =>
        Path.Combine(Path.GetTempPath(), $"ckpt-prefetch-{DateTime.UtcNow:yyyyMMdd'T'HHmmss}-{Guid.NewGuid().ToString("N")[..8]}.json");

    private static StatusDocument? TryRead(string path)
    {
        try
        {
            return File.Exists(path) ? StatusFile.Read(path) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void Redirect(SafeFileHandle handle, int target)
    {
        if (Posix.Dup2((int)handle.DangerousGetHandle(), target) < 0)
        {
            throw new IOException($"could not redirect descriptor {target} of the background prefetch");
        }
    }
}
