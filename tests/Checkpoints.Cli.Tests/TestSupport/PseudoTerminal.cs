using System.Diagnostics;

namespace Checkpoints.Cli.Tests.TestSupport;

/// <summary>
/// Runs the built <c>ckpt</c> on a pseudo-terminal, as a person at a terminal would see it: util-linux's <c>script</c>
/// gives the child a pty for standard input, output and error, and copies what it shows (both streams, in order, with
/// the escape codes the terminal would interpret) to our standard output.
/// </summary>
internal static class PseudoTerminal
{
    public static async Task<(int ExitCode, string Screen)> RunAsync(params string[] args)
    {
        if (!File.Exists("/usr/bin/script"))
        {
            throw new InvalidOperationException("This test needs /usr/bin/script (Debian package bsdutils) to give ckpt a terminal.");
        }

        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        string[] command = [dotnet, Path.Combine(AppContext.BaseDirectory, "ckpt.dll"), .. args];
        var info = new ProcessStartInfo("/usr/bin/script") { RedirectStandardOutput = true, RedirectStandardInput = true };
        // -q: no banner; -e: the child's exit code; -c: the command, as one shell string; /dev/null: no typescript file.
        // A wide terminal, so that tables do not wrap what the tests look for (the pty starts at 80 columns).
        var shell = "stty cols 250 rows 50; exec " + string.Join(' ', command.Select(Quote));
        foreach (var argument in (string[])["-q", "-e", "-c", shell, "/dev/null"])
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["TERM"] = "xterm-256color";
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var screen = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, screen);
    }

    private static string Quote(string argument) => "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
