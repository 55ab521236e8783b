using System.Diagnostics;

namespace Checkpoints.Cli.Tests.Documentation;

/// <summary>
/// The README's install steps, taken from README.md and run as written, with two substitutions that keep the machine
/// clean: the package goes to a temporary folder instead of <c>out</c>, and the tool to a temporary tool path instead
/// of the user's global tools. The installed <c>ckpt</c> must then run.
/// </summary>
public sealed class ReadmeInstallTests
{
    [Fact]
    public async Task InstallSteps_FromTheReadme_PackInstallAndRunTheTool()
    {
        var root = TestSupport.Repository.Root;
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var steps = readme.Split('\n')
            .Select(static line => line.Split('#')[0].Trim())
            .Where(static line => line.StartsWith("dotnet pack ", StringComparison.Ordinal) || line.StartsWith("dotnet tool install ", StringComparison.Ordinal))
            .ToArray();
        Assert.Equal(2, steps.Length);

        var scratch = Directory.CreateTempSubdirectory("ckpt-install-").FullName;
        try
        {
            foreach (var step in steps)
            {
                var command = step
                    .Replace(" -o out", $" -o {scratch}/out", StringComparison.Ordinal)
                    .Replace("--add-source out", $"--add-source {scratch}/out", StringComparison.Ordinal)
                    .Replace("--global", $"--tool-path {scratch}/tools", StringComparison.Ordinal);
                Assert.NotEqual(step, command);
                var (exitCode, output) = await Run("bash", root, "-c", command);
                Assert.True(exitCode == 0, $"'{command}' (from README: '{step}') failed:\n{output}");
            }

            var (versionExit, version) = await Run(Path.Combine(scratch, "tools", "ckpt"), root, "--version");
            Assert.Equal(0, versionExit);
            Assert.Matches(@"^\d+\.\d+\.\d+", version);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> Run(string program, string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
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
