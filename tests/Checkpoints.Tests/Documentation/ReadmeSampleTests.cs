using System.Diagnostics;
using Checkpoints.Format;
using Checkpoints.Synthesis;
using Checkpoints.Tests.TestSupport;

namespace Checkpoints.Tests.Documentation;

/// <summary>
/// The library sample of README.md, taken from the README itself, built as a program of its own against the library
/// project and run on a synthetic checkpoint: an edit to the README that no longer compiles or runs fails here.
/// </summary>
public sealed class ReadmeSampleTests
{
    private const string SamplePath = "\"/models/llama\"";

    [Fact]
    public async Task LibrarySample_FromTheReadme_BuildsAndRuns()
    {
        var root = RepositoryRoot();
        var sample = LibrarySample(File.ReadAllText(Path.Combine(root, "README.md")));
        Assert.Contains(SamplePath, sample, StringComparison.Ordinal);

        using var project = new TempDirectory();
        using var checkpoint = new TempDirectory();
        SyntheticCheckpoint.Write(checkpoint.Path, 1L << 20, 2, DType.BF16);
        // The one substitution: the README's example path becomes the program's argument.
        File.WriteAllText(Path.Combine(project.Path, "Program.cs"), sample.Replace(SamplePath, "args[0]", StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(project.Path, "ReadmeSample.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{Path.Combine(root, "src", "Checkpoints", "Checkpoints.csproj")}" />
              </ItemGroup>
            </Project>
            """);

        var (exitCode, output) = await Dotnet(project.Path, "run", "--", checkpoint.Path);

        Assert.True(exitCode == 0, $"the README sample did not build or run:\n{output}");
        Assert.Contains("plan (auto): lazy (map) 2 shard(s)", output, StringComparison.Ordinal);
        Assert.Contains("model.embed_tokens.weight BF16 [", output, StringComparison.Ordinal);
    }

    /// <summary>The first C# block under "## The library".</summary>
    private static string LibrarySample(string readme)
    {
        var section = readme.IndexOf("\n## The library", StringComparison.Ordinal);
        Assert.True(section >= 0, "README.md has no '## The library' section");
        var start = readme.IndexOf("```csharp\n", section, StringComparison.Ordinal) + "```csharp\n".Length;
        var end = readme.IndexOf("\n```", start, StringComparison.Ordinal);
        return readme[start..end];
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Checkpoints.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Checkpoints.slnx above {AppContext.BaseDirectory}: the README test runs from the repository's build output.");
    }

    private static async Task<(int ExitCode, string Output)> Dotnet(string workingDirectory, params string[] args)
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
