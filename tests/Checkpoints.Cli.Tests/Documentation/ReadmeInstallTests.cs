using Checkpoints.Tests.TestSupport;

namespace Checkpoints.Cli.Tests.Documentation;

/// <summary>
/// The README's install steps, taken from README.md and run as written, with two substitutions that keep the machine
/// clean: the package goes to a temporary folder instead of <c>out</c>, and the tool to a temporary tool path instead
/// of the user's global tools. The installed <c>ckpt</c> must then run. They run in a copy of the sources (a build
/// in the repository's own obj/ could collide with the other test assembly's builds), with a NuGet package folder of
/// their own: with the shared one, a Checkpoints.Cli of the same version installed before would be taken instead.
/// </summary>
public sealed class ReadmeInstallTests
{
    [Fact]
    public async Task InstallSteps_FromTheReadme_PackInstallAndRunTheTool()
    {
        var root = Repository.Root;
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var steps = readme.Split('\n')
            .Select(static line => line.Split('#')[0].Trim())
            .Where(static line => line.StartsWith("dotnet pack ", StringComparison.Ordinal) || line.StartsWith("dotnet tool install ", StringComparison.Ordinal))
            .ToArray();
        Assert.Equal(2, steps.Length);

        var scratch = Directory.CreateTempSubdirectory("ckpt-install-").FullName;
        try
        {
            var copy = Path.Combine(scratch, "repo");
            Repository.CopySources(copy);
            foreach (var step in steps)
            {
                var command = step
                    .Replace(" -o out", $" -o {scratch}/out", StringComparison.Ordinal)
                    .Replace("--add-source out", $"--add-source {scratch}/out", StringComparison.Ordinal)
                    .Replace("--global", $"--tool-path {scratch}/tools", StringComparison.Ordinal);
                Assert.NotEqual(step, command);
                var (exitCode, output) = await Repository.Run("bash", copy, "-c", $"NUGET_PACKAGES={scratch}/packages {command}");
                Assert.True(exitCode == 0, $"'{command}' (from README: '{step}') failed:\n{output}");
            }

            var (versionExit, version) = await Repository.Run(Path.Combine(scratch, "tools", "ckpt"), scratch, "--version");
            Assert.Equal(0, versionExit);
            Assert.Matches(@"^\d+\.\d+\.\d+", version);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}
