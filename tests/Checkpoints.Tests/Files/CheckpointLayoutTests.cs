using Checkpoints.Format;
using Checkpoints.Tests.TestSupport;


namespace Checkpoints.Tests.Files;

public sealed class CheckpointLayoutTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static byte[] Shard(params string[] names) =>
        Safetensors.WithTensors([.. names.Select((name, i) => (name, "U8", "[2]", (long)(i * 2), (long)((i * 2) + 2)))]);

    private string Index(string weightMap, string name = "model.safetensors.index.json", string metadata = "{}") =>
        _directory.Write(name, $"{{\"metadata\":{metadata},\"weight_map\":{weightMap}}}");

    [Fact]
    public void Open_Directory_WithoutIndex_TakesShardsInNaturalOrder()
    {
        _directory.Write("part-10.safetensors", Shard("c"));
        _directory.Write("part-2.safetensors", Shard("b"));
        _directory.Write("part-1.safetensors", Shard("a"));
        _directory.Write("notes.txt", "not a shard");

        using var checkpoint = Checkpoint.Open(_directory.Path);

        Assert.Equal(["part-1.safetensors", "part-2.safetensors", "part-10.safetensors"], checkpoint.Shards.Select(s => Path.GetFileName(s.Path)));
        Assert.Equal(["a", "b", "c"], checkpoint.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void Open_Directory_UsesIndex_AndIgnoresFilesItDoesNotName()
    {
        _directory.Write("model-00001-of-00002.safetensors", Shard("a", "b"));
        _directory.Write("model-00002-of-00002.safetensors", Shard("c"));
        _directory.Write("consolidated.safetensors", Shard("a", "b", "c"));
        Index("{\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00001-of-00002.safetensors\",\"c\":\"model-00002-of-00002.safetensors\"}");

        using var checkpoint = Checkpoint.Open(_directory.Path);

        Assert.Equal(2, checkpoint.Shards.Count);
        Assert.EndsWith("model.safetensors.index.json", checkpoint.IndexPath, StringComparison.Ordinal);
        Assert.Empty(checkpoint.Warnings);
    }

    [Fact]
    public void Open_Directory_UsesSoleNonStandardIndex()
    {
        _directory.Write("consolidated-00001.safetensors", Shard("a"));
        Index("{\"a\":\"consolidated-00001.safetensors\"}", name: "consolidated.safetensors.index.json");

        using var checkpoint = Checkpoint.Open(_directory.Path);

        Assert.EndsWith("consolidated.safetensors.index.json", checkpoint.IndexPath, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_Directory_RefusesToGuessBetweenSeveralIndexes()
    {
        Index("{}", name: "a.safetensors.index.json");
        Index("{}", name: "b.safetensors.index.json");

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(_directory.Path));

        Assert.Equal(FormatRule.NoCheckpointFound, error.Rule);
        Assert.Contains("a.safetensors.index.json, b.safetensors.index.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_IndexFile_Directly()
    {
        _directory.Write("s1.safetensors", Shard("a"));
        var index = Index("{\"a\":\"s1.safetensors\"}", name: "custom.safetensors.index.json");

        using var checkpoint = Checkpoint.Open(index);

        Assert.Equal("a", Assert.Single(checkpoint.Tensors).Name);
    }

    [Fact]
    public void Open_ReportsMissingShard_ByName()
    {
        _directory.Write("s1.safetensors", Shard("a"));
        Index("{\"a\":\"s1.safetensors\",\"b\":\"s2.safetensors\"}");

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(_directory.Path));

        Assert.Equal(FormatRule.ShardMissing, error.Rule);
        Assert.Contains("'s2.safetensors'", error.Message, StringComparison.Ordinal);
        Assert.Equal("b", error.TensorName);
    }

    [Theory]
    [InlineData("../outside.safetensors")]
    [InlineData("sub/../../outside.safetensors")]
    [InlineData("/etc/passwd")]
    public void Open_RefusesShardPathsLeavingTheDirectory(string shardPath)
    {
        Index($"{{\"a\":\"{shardPath}\"}}");

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(_directory.Path));

        Assert.Equal(FormatRule.ShardPathOutsideDirectory, error.Rule);
    }

    [Fact]
    public void Open_ReadsAShardOnce_WhenTheIndexSpellsItTwoWays()
    {
        _directory.Write("s1.safetensors", Shard("a", "b"));
        Index("{\"a\":\"s1.safetensors\",\"b\":\"./s1.safetensors\"}");

        using var checkpoint = Checkpoint.Open(_directory.Path);

        Assert.Single(checkpoint.Shards);
        Assert.Equal(2, checkpoint.Tensors.Count);
    }

    [Fact]
    public void Open_AllowsShardsInSubdirectories()
    {
        _directory.Write("weights/s1.safetensors", Shard("a"));
        Index("{\"a\":\"weights/s1.safetensors\"}");

        using var checkpoint = Checkpoint.Open(_directory.Path);

        Assert.Single(checkpoint.Tensors);
    }

    [Fact]
    public void Open_ReportsTensorTheIndexPlacesInTheWrongShard()
    {
        _directory.Write("s1.safetensors", Shard("a"));
        _directory.Write("s2.safetensors", Shard("b"));
        Index("{\"a\":\"s2.safetensors\",\"b\":\"s2.safetensors\"}");

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(_directory.Path));

        Assert.Equal(FormatRule.TensorNotInShard, error.Rule);
        Assert.Equal("a", error.TensorName);
        Assert.Contains("no shard holds it", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_ReportsTensorHeldByTwoShards()
    {
        _directory.Write("s1.safetensors", Shard("a", "x"));
        _directory.Write("s2.safetensors", Shard("x"));

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(_directory.Path));

        Assert.Equal(FormatRule.DuplicateTensor, error.Rule);
        Assert.Contains("s1.safetensors and s2.safetensors", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_WarnsWhenTotalSizeDisagrees()
    {
        _directory.Write("s1.safetensors", Shard("a"));
        Index("{\"a\":\"s1.safetensors\"}", metadata: "{\"total_size\":12345}");

        using var checkpoint = Checkpoint.Open(_directory.Path);

        Assert.Contains(checkpoint.Warnings, warning => warning.Contains("total_size is 12,345", StringComparison.Ordinal));
    }

    [Fact]
    public void Open_AcceptsTotalSizeOfTensorBytes()
    {
        _directory.Write("s1.safetensors", Shard("a"));
        Index("{\"a\":\"s1.safetensors\"}", metadata: "{\"total_size\":2}");

        using var checkpoint = Checkpoint.Open(_directory.Path);

        Assert.Empty(checkpoint.Warnings);
    }

    [Fact]
    public void Open_WarnsAboutTensorsTheIndexDoesNotList_AndLoadsThem()
    {
        _directory.Write("s1.safetensors", Shard("a", "extra"));
        Index("{\"a\":\"s1.safetensors\"}");

        using var checkpoint = Checkpoint.Open(_directory.Path);

        Assert.Equal(2, checkpoint.Tensors.Count);
        Assert.Contains(checkpoint.Warnings, warning => warning.Contains("'extra'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{\"metadata\":{}}")]
    [InlineData("{\"weight_map\":{\"a\":5}}")]
    public void Open_RejectsMalformedIndex(string content)
    {
        _directory.Write("model.safetensors.index.json", content);

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(_directory.Path));

        Assert.Equal(FormatRule.IndexInvalid, error.Rule);
    }

    [Fact]
    public void Open_RecognisesIndexSavedAsLfsPointer()
    {
        _directory.Write("model.safetensors.index.json", "version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 10\n");

        Assert.Equal(FormatRule.GitLfsPointer, Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(_directory.Path)).Rule);
    }

    [Fact]
    public void Open_EmptyDirectory_SaysWhatIsMissing()
    {
        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(_directory.Path));

        Assert.Equal(FormatRule.NoCheckpointFound, error.Rule);
        Assert.Contains("no *.safetensors file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_DirectoryOfPyTorchFiles_SuggestsConversion()
    {
        _directory.Write("pytorch_model.bin", [1, 2, 3]);

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(_directory.Path));

        Assert.Contains("pytorch_model.bin", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_MissingPath_ThrowsFileNotFound_NamingIt()
    {
        var missing = _directory.File("nope");

        var error = Assert.Throws<FileNotFoundException>(() => Checkpoint.Open(missing));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_FollowsSymbolicLinks_AsTheHuggingFaceCacheUses()
    {
        var blob = _directory.Write("blobs/0123abcd", Shard("a"));
        Directory.CreateDirectory(_directory.File("snapshot"));
        File.CreateSymbolicLink(_directory.File("snapshot/model.safetensors"), blob);

        using var checkpoint = Checkpoint.Open(_directory.File("snapshot"));

        Assert.Equal([0, 7], checkpoint["a"].Bytes.ToArray());
    }
}
