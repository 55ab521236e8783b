using System.Diagnostics;

namespace Checkpoints.Cli.Tests.TestSupport;

/// <summary>
/// Runs the built <c>ckpt</c> as a child process (<c>dotnet ckpt.dll</c> from the test output folder), for what only a
/// separate process can show: a limit set on it (see <see cref="Prlimit"/>), its exit code, whether it crashes.
/// </summary>
internal static class CkptProcess
{
    /// <param name="wrapper">A command that runs the rest (for example <c>prlimit --nofile=256:256 --</c>); empty for none.</param>
    /// <param name="environment">Variables to set for the child.</param>
    /// <param name="args">The arguments of <c>ckpt</c>.</param>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(IReadOnlyList<string> wrapper, IReadOnlyDictionary<string, string> environment,
        params string[] args)
    {
        using var process = Process.Start(StartInfo(wrapper, environment, args))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    /// <summary>How to start <c>ckpt</c> with <paramref name="args"/>, its output and error redirected.</summary>
    public static ProcessStartInfo StartInfo(IReadOnlyList<string> wrapper, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        // The SDK tells the processes it starts which host runs them; "dotnet" on the PATH otherwise.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        string[] command = [.. wrapper, dotnet, Path.Combine(AppContext.BaseDirectory, "ckpt.dll"), .. args];
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in command.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return info;
    }
}
