using Checkpoints.Cli.Infrastructure;

namespace Checkpoints.Cli.Tests;

/// <summary>Runs `ckpt` in-process with captured output.</summary>
internal static class CliRunner
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await CkptApp.RunAsync(args, CliConsole.ForWriters(output, error));
        return (exitCode, output.ToString(), error.ToString());
    }
}
