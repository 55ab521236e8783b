using System.Xml.Linq;
using Checkpoints.Tests.TestSupport;

namespace Checkpoints.Cli.Tests.Documentation;

/// <summary>
/// ckpt's one way of publishing (docs/STARTUP.md) is the native profile, and the script, the benchmark runner and the
/// README use it. The native publish itself is not run here: it needs clang and takes about two minutes on two cores,
/// too much for every test run; bench/run.sh and bench/startup.sh run the binary it makes.
/// </summary>
public sealed class NativePublishTests
{
    private static readonly string Root = Repository.Root;

    [Fact]
    public void PublishProfile_CompilesAheadOfTime_ForAnyX64Processor()
    {
        var profile = XDocument.Load(Path.Combine(Root, "src", "Checkpoints.Cli", "Properties", "PublishProfiles", "native.pubxml"));
        string? Property(string name) => profile.Descendants(name).SingleOrDefault()?.Value;

        Assert.Equal("true", Property("PublishAot"));
        // A baseline above the default (x86-64-v3) would not start on processors without AVX2, for 14 ms per GiB of warm load.
        Assert.True(string.IsNullOrEmpty(Property("IlcInstructionSet")), $"IlcInstructionSet is '{Property("IlcInstructionSet")}'");
    }

    [Theory]
    [InlineData("scripts/publish-ckpt.sh", "-p:PublishProfile=native")]
    [InlineData("bench/run.sh", "scripts/publish-ckpt.sh")]
    [InlineData("README.md", "scripts/publish-ckpt.sh")]
    public void PublishingOfCkpt_GoesThroughTheNativeProfile(string file, string expected) =>
        Assert.Contains(expected, File.ReadAllText(Path.Combine(Root, file)), StringComparison.Ordinal);
}
