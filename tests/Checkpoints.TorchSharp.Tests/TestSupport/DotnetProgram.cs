using System.Diagnostics;

namespace Checkpoints.TorchSharp.Tests.TestSupport;

/// <summary>Builds and runs programs of the repository (the README sample, samples/) with the dotnet that runs the tests.</summary>
internal static class DotnetProgram
{
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Checkpoints.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Checkpoints.slnx above {AppContext.BaseDirectory}: the tests that build programs run from the repository's build output.");
    }

    public static async Task<(int ExitCode, string Output)> Run(string workingDirectory, params string[] args)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var info = new ProcessStartInfo(dotnet) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in args)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }
}
