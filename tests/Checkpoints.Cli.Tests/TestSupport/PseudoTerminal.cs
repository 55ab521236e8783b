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
        var screen = process.StandardOutput.ReadToEndAsync();
        using (var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
        {
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                // A hang, not a slow run: end it and say what the terminal showed.
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                throw new TimeoutException($"ckpt {string.Join(' ', args)} on a terminal still ran after 2 minutes and was killed; it showed: {await screen}");
            }
        }

        return (process.ExitCode, await screen);
    }

    private static string Quote(string argument) => "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
