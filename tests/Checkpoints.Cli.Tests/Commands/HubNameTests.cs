using Checkpoints.Cli.Tests.TestSupport;
using Checkpoints.Format;
using Checkpoints.Synthesis;

namespace Checkpoints.Cli.Tests.Commands;

/// <summary>Models named <c>org/name[@revision]</c> are found in the Hugging Face cache the environment names, in a real process.</summary>
public sealed class HubNameTests : IDisposable
{
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";
    private readonly string _cache = Directory.CreateTempSubdirectory("ckpt-hub-").FullName;

    public HubNameTests()
    {
        var model = Path.Combine(_cache, "models--acme--tiny-llm");
        var blobs = Directory.CreateDirectory(Path.Combine(model, "blobs")).FullName;
        var snapshot = Directory.CreateDirectory(Path.Combine(model, "snapshots", Commit)).FullName;
        Directory.CreateDirectory(Path.Combine(model, "refs"));
        File.WriteAllText(Path.Combine(model, "refs", "main"), Commit);
        // The files in blobs/ under content names, linked from the snapshot under their own, as huggingface_hub stores them.
        foreach (var file in SyntheticCheckpoint.Write(Path.Combine(_cache, "download"), 1L << 20, 2, DType.BF16))
        {
            var blob = Path.Combine(blobs, Guid.NewGuid().ToString("N"));
            File.Move(file, blob);
            File.CreateSymbolicLink(Path.Combine(snapshot, Path.GetFileName(file)), Path.GetRelativePath(snapshot, blob));
        }
    }

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    [Theory]
    [InlineData("inspect")]
    [InlineData("plan")]
    [InlineData("prefetch")]
    public async Task Command_TakesAHubName_FromHfHubCache(string command)
    {
        var (exitCode, output, error) = await CkptProcess.RunAsync([], new Dictionary<string, string> { ["HF_HUB_CACHE"] = _cache }, command, "acme/tiny-llm");

        Assert.True(exitCode == 0, error);
        Assert.Contains(command == "prefetch" ? "warmed" : "model-00001-of-00002.safetensors", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingModel_FailsNamingTheCacheAndTheDownload()
    {
        var (exitCode, _, error) = await CkptProcess.RunAsync([], new Dictionary<string, string> { ["HF_HUB_CACHE"] = _cache }, "inspect", "acme/other@v1");

        Assert.Equal(1, exitCode);
        Assert.Equal(
            $"ckpt: error: acme/other: not a file or folder here, and not in the Hugging Face cache {_cache} (no models--acme--other): " +
            $"download it with 'hf download acme/other --include \"*.safetensors\" \"*.json\"', or point HF_HUB_CACHE or HF_HOME at the cache that holds it{Environment.NewLine}",
            error);
    }
}
