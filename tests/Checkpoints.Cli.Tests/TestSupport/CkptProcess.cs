using System.Diagnostics;

namespace Checkpoints.Cli.Tests.TestSupport;

/// <summary>
/// Runs the built <c>ckpt</c> as a child process (<c>dotnet ckpt.dll</c> from the test output folder), for what only a
/// separate process can show: a limit set on it (see <see cref="Prlimit"/>), its exit code, whether it crashes.
/// </summary>
internal static class CkptProcess
{
    /// <summary>Set in <c>environment</c> to run <c>ckpt.dll</c> from that folder instead of the test output folder (the variable is not passed on).</summary>
    public const string ProgramFolderVariable = "CKPT_TEST_PROGRAM_FOLDER";

    /// <param name="wrapper">A command that runs the rest (for example <c>prlimit --nofile=256:256 --</c>); empty for none.</param>
    /// <param name="environment">Variables to set for the child.</param>
    /// <param name="args">The arguments of <c>ckpt</c>.</param>
    public static Task<(int ExitCode, string Output, string Error)> RunAsync(IReadOnlyList<string> wrapper, IReadOnlyDictionary<string, string> environment,
        params string[] args) => RunAsync(Timeout.InfiniteTimeSpan, wrapper, environment, args);

    /// <param name="timeout">How long the child may run: past it, it is killed and <see cref="TimeoutException"/> says what it wrote (a hang, not a slow run).</param>
    /// <param name="wrapper">A command that runs the rest (for example <c>prlimit --nofile=256:256 --</c>); empty for none.</param>
    /// <param name="environment">Variables to set for the child.</param>
    /// <param name="args">The arguments of <c>ckpt</c>.</param>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(TimeSpan timeout, IReadOnlyList<string> wrapper,
        IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var process = Process.Start(StartInfo(wrapper, environment, args))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using (var limit = new CancellationTokenSource(timeout))
        {
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                throw new TimeoutException($"ckpt {string.Join(' ', args)} still ran after {timeout.TotalSeconds} s and was killed; it wrote: {await output}{await error}");
            }
        }

        return (process.ExitCode, await output, await error);
    }

    /// <summary>How to start <c>ckpt</c> with <paramref name="args"/>, its output and error redirected.</summary>
    public static ProcessStartInfo StartInfo(IReadOnlyList<string> wrapper, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        // The SDK tells the processes it starts which host runs them; "dotnet" on the PATH otherwise.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var folder = environment.TryGetValue(ProgramFolderVariable, out var chosen) ? chosen : AppContext.BaseDirectory;
        string[] command = [.. wrapper, dotnet, Path.Combine(folder, "ckpt.dll"), .. args];
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in command.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment.Where(static variable => variable.Key != ProgramFolderVariable))
        {
            info.Environment[name] = value;
        }

        return info;
    }
}
