using Checkpoints.Files;
using Checkpoints.Tests.TestSupport;

namespace Checkpoints.Tests.Files;

/// <summary>A hub cache laid out as huggingface_hub writes it: two revisions, refs for a branch and a tag, links into blobs.</summary>
public sealed class HubCacheTests : IDisposable
{
    private const string First = "1111111111111111111111111111111111111111";
    private const string Second = "2222222222222222222222222222222222222222";
    private readonly TempDirectory _root = new();

    public HubCacheTests()
    {
        var model = Path.Combine(_root.Path, "hub", "models--acme--tiny-llm");
        Directory.CreateDirectory(Path.Combine(model, "refs"));
        Directory.CreateDirectory(Path.Combine(model, "blobs"));
        File.WriteAllText(Path.Combine(model, "refs", "main"), First);
        File.WriteAllText(Path.Combine(model, "refs", "v2"), Second + "\n");
        foreach (var (commit, blob) in new[] { (First, "aaaa"), (Second, "bbbb") })
        {
            File.WriteAllBytes(Path.Combine(model, "blobs", blob), Safetensors.WithTensors(("w", "F32", "[1]", 0, 4)));
            var snapshot = Directory.CreateDirectory(Path.Combine(model, "snapshots", commit)).FullName;
            File.CreateSymbolicLink(Path.Combine(snapshot, "model.safetensors"), Path.Combine("..", "..", "blobs", blob));
            // A .bin duplicate beside the weights, as many repositories hold: never taken for a shard.
            File.WriteAllText(Path.Combine(snapshot, "pytorch_model.bin"), "not safetensors");
        }
    }

    private HubCache Cache => new(Path.Combine(_root.Path, "hub"));

    public void Dispose() => _root.Dispose();

    [Theory]
    [InlineData("acme/tiny-llm", First)]
    [InlineData("acme/tiny-llm@main", First)]
    [InlineData("acme/tiny-llm@v2", Second)]
    [InlineData("acme/tiny-llm@" + Second, Second)]
    public void Discover_HubName_FindsTheRevisionsSnapshot(string name, string commit)
    {
        var layout = CheckpointLayout.Discover(name, () => Cache);

        var shard = Assert.Single(layout.ShardPaths);
        Assert.Equal(Path.Combine(Cache.Root, "models--acme--tiny-llm", "snapshots", commit, "model.safetensors"), shard);
        Assert.Equal(name, layout.Source);
    }

    [Fact]
    public void Discover_ModelNotInTheCache_SaysWhereItLookedAndHowToDownload()
    {
        var error = Assert.Throws<DirectoryNotFoundException>(() => CheckpointLayout.Discover("acme/huge-llm", () => Cache));

        Assert.Equal(
            $"acme/huge-llm: not a file or folder here, and not in the Hugging Face cache {Cache.Root} (no models--acme--huge-llm): " +
            "download it with 'hf download acme/huge-llm --include \"*.safetensors\" \"*.json\"', or point HF_HUB_CACHE or HF_HOME at the cache that holds it",
            error.Message);
    }

    [Fact]
    public void Discover_RevisionNotInTheCache_ListsTheRevisionsThere()
    {
        var error = Assert.Throws<DirectoryNotFoundException>(() => CheckpointLayout.Discover("acme/tiny-llm@v3", () => Cache));

        Assert.Contains($"(revisions there: main, v2, {First}, {Second})", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("download it with 'hf download acme/tiny-llm --revision v3'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Discover_ExistingPath_IsNeverTakenForAHubName()
    {
        var error = Assert.Throws<FileNotFoundException>(() => CheckpointLayout.Discover(Path.Combine(_root.Path, "acme", "tiny-llm"), () => throw new InvalidOperationException("asked the hub")));

        Assert.EndsWith("no such file or directory", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("acme/tiny-llm", true)]
    [InlineData("acme/tiny-llm@refs-pr-1", true)]
    [InlineData("Org_1/Model.v2-instruct", true)]
    [InlineData("acme/tiny-llm/extra", false)]
    [InlineData("acme", false)]
    [InlineData("/acme/tiny-llm", false)]
    [InlineData("./tiny-llm", false)]
    [InlineData("acme/tiny-llm@../../etc", false)]
    [InlineData("acme/tiny llm", false)]
    public void HubModelName_TryParse_TakesOnlyHubNames(string text, bool expected)
    {
        Assert.Equal(expected, HubModelName.TryParse(text, out _));
    }

    [Theory]
    [InlineData("/c", "/h", "/x", "/c")]
    [InlineData(null, "/h", "/x", "/h/hub")]
    [InlineData(null, null, "/x", "/x/huggingface/hub")]
    [InlineData(null, null, null, "/home/u/.cache/huggingface/hub")]
    [InlineData("", " ", "", "/home/u/.cache/huggingface/hub")]
    public void FromEnvironment_FollowsHuggingFaceHubsOrder(string? hubCache, string? hfHome, string? xdgCache, string expected)
    {
        var variables = new Dictionary<string, string?> { ["HF_HUB_CACHE"] = hubCache, ["HF_HOME"] = hfHome, ["XDG_CACHE_HOME"] = xdgCache };

        Assert.Equal(expected, HubCache.FromEnvironment(name => variables.GetValueOrDefault(name), "/home/u").Root);
    }
}
