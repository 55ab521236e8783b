using System.ComponentModel;
using System.Diagnostics;

namespace Checkpoints.Cli.Infrastructure;

/// <summary>
/// The command <c>exec</c> runs: found as a shell finds it, started with ckpt's own standard input, output and error
/// (no pipes in between: the server writes to the real descriptors, its output is not copied or buffered by ckpt).
/// </summary>
internal static class ChildCommand
{
    /// <summary>
    /// Finds <paramref name="name"/> as <c>execvp</c> and shells do: a name with a '/' is a path; any other is looked
    /// for in each folder of <c>PATH</c> (an empty entry is the current folder), the first executable file winning.
    /// .NET's own search also looks beside ckpt's program and in the current folder first, which no shell does.
    /// </summary>
    /// <exception cref="CannotStartException">Not found (127), or found but not executable (126).</exception>
    public static string Resolve(string name)
    {
        if (name.Length == 0)
        {
            throw new CannotStartException(ExitCodes.CommandNotFound, "the command is empty (an unset variable?)");
        }

        if (name.Contains('/', StringComparison.Ordinal))
        {
            Check(name);
            return name;
        }

        CannotStartException? notExecutable = null;
        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        foreach (var folder in path.Split(':'))
        {
            var candidate = Path.Combine(folder.Length == 0 ? "." : folder, name);
            try
            {
                Check(candidate);
                return candidate;
            }
            catch (CannotStartException exception) when (exception.ExitCode == ExitCodes.CannotExecute)
            {
                // A file by that name that may not be run: the search goes on, and says this if nothing better is found.
                notExecutable ??= exception;
            }
            catch (CannotStartException)
            {
                // Not in this folder.
            }
        }

        throw notExecutable ?? new CannotStartException(ExitCodes.CommandNotFound, $"{name}: command not found (searched PATH={path})");
    }

    /// <summary>Starts <paramref name="command"/> (resolved) with <paramref name="arguments"/>, inheriting ckpt's standard streams.</summary>
    /// <exception cref="CannotStartException">The system refused to run it.</exception>
    public static Process Start(string command, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(command) { UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        try
        {
            return Process.Start(info) ?? throw new CannotStartException(ExitCodes.CannotExecute, $"{command}: could not be started");
        }
        catch (Win32Exception exception)
        {
            // ENOENT here is a script's interpreter that does not exist ("#!/usr/bin/python9"); anything else (ENOEXEC: not a
            // program the kernel knows, ETXTBSY, E2BIG) is "found but cannot run".
            var code = exception.NativeErrorCode == 2 ? ExitCodes.CommandNotFound : ExitCodes.CannotExecute;
            throw new CannotStartException(code, $"{command}: cannot run it: {exception.Message}");
        }
    }

    /// <summary>Returns when <paramref name="path"/> can be run; else says why not.</summary>
    private static void Check(string path)
    {
        if (Directory.Exists(path))
        {
            throw new CannotStartException(ExitCodes.CannotExecute, $"{path}: is a directory");
        }

        if (!File.Exists(path))
        {
            throw new CannotStartException(ExitCodes.CommandNotFound, $"{path}: no such file");
        }

        if (!Posix.IsExecutable(path))
        {
            throw new CannotStartException(ExitCodes.CannotExecute, $"{path}: permission denied (not executable: chmod +x it, or run it through its interpreter)");
        }
    }
}

/// <summary>The command could not be started; <see cref="ExitCode"/> is what a shell would exit with (126 or 127).</summary>
internal sealed class CannotStartException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
