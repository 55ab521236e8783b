using Checkpoints.Format;
using Checkpoints.Verification;
using Checkpoints.Writing;


namespace Checkpoints.Tests.Format;

/// <summary>Damaged shard indexes, found by the index mutation test: each must end in a CheckpointFormatException.</summary>
public sealed class ShardIndexHostileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ckpt-index-").FullName;

    public ShardIndexHostileTests()
    {
        CheckpointWriter.WriteFile(Path.Combine(_directory, "a.safetensors"), [TensorToWrite.FromBytes("t", DType.U8, [1], new byte[1])]);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("""{"weight_map": {"\ud800": "a.safetensors"}}""")]
    [InlineData("""{"weight_map": {"t": "a\udc00.safetensors"}}""")]
    [InlineData("""{"metadata": {"total_size": "\ud800"}, "weight_map": {"t": "a.safetensors"}}""")]
    public void Open_RejectsAsIndexInvalid_WhenAStringHoldsALoneSurrogate(string index)
    {
        // Before the fix: InvalidOperationException from JsonProperty.Name / JsonElement.GetString.
        var path = WriteIndex(index);

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(path));

        Assert.Equal(FormatRule.IndexInvalid, error.Rule);
        Assert.False(CheckpointVerifier.Verify(path).IsValid);
    }

    [Fact]
    public void Open_RejectsAsIndexInvalid_WhenAShardNameHoldsANulCharacter()
    {
        // Before the fix: ArgumentException ("Null character in path") from Path.GetFullPath.
        var path = WriteIndex("""{"weight_map": {"t": "a\u0000.safetensors"}}""");

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(path));

        Assert.Equal(FormatRule.IndexInvalid, error.Rule);
        Assert.Contains("a\\0.safetensors", error.Message, StringComparison.Ordinal);
        Assert.False(CheckpointVerifier.Verify(path).IsValid);
    }

    [Fact]
    public void Open_ReportsTheFileOffset_OfAJsonErrorOnALaterLine()
    {
        // Before the fix the offset was the position within the line (2), not within the file.
        const string Index = "{\n  \"weight_map\": {\n  x\n}";
        var path = WriteIndex(Index);

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(path));

        Assert.Equal(FormatRule.IndexInvalid, error.Rule);
        Assert.Equal(Index.IndexOf('x', StringComparison.Ordinal), error.ByteOffset);
    }

    private string WriteIndex(string json)
    {
        var path = Path.Combine(_directory, "model.safetensors.index.json");
        File.WriteAllText(path, json);
        return path;
    }
}
