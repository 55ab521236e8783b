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
        var root = Repository.Root;
        var sample = Repository.ReadmeSample(File.ReadAllText(Path.Combine(root, "README.md")), "## The library");
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

        var (exitCode, output) = await Repository.Dotnet(project.Path, "run", "--", checkpoint.Path);

        Assert.True(exitCode == 0, $"the README sample did not build or run:\n{output}");
        // Written a moment ago, the shards are cached and mapped lazily, unless another process dropped the page cache
        // during the build (benchmarks on the same machine do): then they are prefetched. Either way the plan is shown.
        Assert.Matches(@"plan \(auto\): (lazy|prefetch) \(map\) 2 shard\(s\)", output);
        Assert.Contains("model.embed_tokens.weight BF16 [", output, StringComparison.Ordinal);
    }
}
