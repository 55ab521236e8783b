using System.Reflection;
using Checkpoints.Format;
using Checkpoints.Tests.TestSupport;
using Checkpoints.TorchSharp.Tests.TestSupport;

namespace Checkpoints.TorchSharp.Tests.Documentation;

/// <summary>
/// The TorchSharp sample of README.md, taken from the README itself, built as a program of its own (against the package
/// project, the CPU libtorch and the native preparation, as an application on this machine would) and run on a small
/// checkpoint: an edit to the README that no longer compiles or runs fails here. About 30 s, most of it copying libtorch.
/// </summary>
public sealed class ReadmeSampleTests
{
    private const string SamplePath = "\"/models/linear\"";

    [Fact]
    public async Task TorchSharpSample_FromTheReadme_BuildsAndRuns()
    {
        var root = Repository.Root;
        var sample = Repository.ReadmeSample(File.ReadAllText(Path.Combine(root, "README.md")), "## TorchSharp");
        Assert.Contains(SamplePath, sample, StringComparison.Ordinal);

        using var checkpoint = new TempCheckpoint();
        checkpoint.Add("model.weight", DType.F32, [2, 4], Bytes.Random(32, 1)).Add("model.bias", DType.BF16, [2], [0x80, 0x3F, 0x00, 0x40]).Write();
        using var project = new TempCheckpoint();   // an empty temporary folder, removed with everything built in it
        // The one substitution: the README's example path becomes the program's argument.
        File.WriteAllText(Path.Combine(project.Folder, "Program.cs"), sample.Replace(SamplePath, "args[0]", StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(project.Folder, "ReadmeSample.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{Path.Combine(root, "src", "Checkpoints.TorchSharp", "Checkpoints.TorchSharp.csproj")}" />
                <PackageReference Include="libtorch-cpu-linux-x64" Version="2.10.0" />
              </ItemGroup>
              <Import Project="{Path.Combine(root, "scripts", "torchsharp", "TorchSharpNative.targets")}" />
            </Project>
            """);

        // The referenced projects are built already (this test project depends on them), in this configuration: not
        // building them again keeps this build from racing other test projects that build the library at the same time.
        var configuration = typeof(ReadmeSampleTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        var (exitCode, output) = await Repository.Dotnet(project.Folder, "run", "-c", configuration, "-p:BuildProjectReferences=false", "--", checkpoint.Path);

        Assert.True(exitCode == 0, $"the README sample did not build or run:\n{output}");
        Assert.Contains("2 loaded, 0 missing, 0 unexpected, 0 skipped, 1 converted; 36 bytes in", output, StringComparison.Ordinal);
        Assert.Contains("model.weight Float32 [2, 4]", output, StringComparison.Ordinal);
        Assert.Contains("model.bias BFloat16 [2]", output, StringComparison.Ordinal);
    }
}
