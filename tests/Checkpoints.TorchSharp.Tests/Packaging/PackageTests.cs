using System.IO.Compression;
using System.Xml.Linq;
using Checkpoints.Tests.TestSupport;

namespace Checkpoints.TorchSharp.Tests.Packaging;

/// <summary>
/// The package as it would be published: packed from a copy of the sources (a build in the repository's own obj/ could
/// collide with the test run's), it holds the managed library, its documentation and the README, depends on the
/// library and on TorchSharp 0.107.0, and carries no native library: which libtorch to run on is the application's.
/// </summary>
public sealed class PackageTests
{
    [Fact]
    public async Task Pack_HoldsTheLibraryAndReadme_DependsOnTorchSharp_AndCarriesNoNativeCode()
    {
        var scratch = Directory.CreateTempSubdirectory("ckpt-pack-").FullName;
        try
        {
            var copy = Path.Combine(scratch, "repo");
            Repository.CopySources(copy);

            var (exitCode, output) = await Repository.Dotnet(copy, "pack", "src/Checkpoints.TorchSharp", "-c", "Release", "-o", Path.Combine(scratch, "out"), "-nologo");

            Assert.True(exitCode == 0, $"dotnet pack failed:\n{output}");
            var package = Assert.Single(Directory.GetFiles(Path.Combine(scratch, "out"), "Checkpoints.TorchSharp.*.nupkg"));
            using var archive = ZipFile.OpenRead(package);
            var entries = archive.Entries.Select(static entry => entry.FullName).ToList();
            Assert.Contains("lib/net10.0/Checkpoints.TorchSharp.dll", entries);
            Assert.Contains("lib/net10.0/Checkpoints.TorchSharp.xml", entries);
            Assert.Contains("README.md", entries);
            Assert.DoesNotContain(entries, static name => name.EndsWith(".so", StringComparison.Ordinal) || name.StartsWith("runtimes/", StringComparison.Ordinal));

            using var nuspec = archive.Entries.Single(static entry => entry.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
            var dependencies = XDocument.Load(nuspec).Descendants().Where(static element => element.Name.LocalName == "dependency")
                .ToDictionary(static element => (string)element.Attribute("id")!, static element => (string)element.Attribute("version")!);
            Assert.Equal("0.107.0", dependencies["TorchSharp"]);
            Assert.True(dependencies.ContainsKey("Checkpoints"), string.Join(", ", dependencies.Keys));
            Assert.DoesNotContain(dependencies.Keys, static id => id.StartsWith("libtorch", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}
