using System.Text;
using Checkpoints.Format;
using Checkpoints.Tests.TestSupport;
using Checkpoints.Verification;

namespace Checkpoints.Tests.Format;

/// <summary>Indexes built to exhaust: millions of entries no shard holds, and files too large to be an index.</summary>
public sealed class HostileIndexTests : IDisposable
{
    private const int Entries = 1_000_000;

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Verify_IndexOfAMillionEntriesNoShardHolds_ReportsTheFirstFewAndCountsTheRest()
    {
        WriteShardWithAMillionGhosts();

        var report = CheckpointVerifier.Verify(_directory.Path);

        Assert.Equal(CheckpointCatalogLimit + 1, report.Errors.Count);
        Assert.All(report.Errors, error => Assert.Equal(FormatRule.TensorNotInShard, Assert.IsType<CheckpointFormatException>(error).Rule));
        Assert.Contains("'ghost.0'", report.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("and 999,980 more index entries (of 1,000,001) name tensors their shard does not hold", report.Errors[^1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_IndexOfAMillionEntriesNoShardHolds_ThrowsTheFirst()
    {
        WriteShardWithAMillionGhosts();

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(_directory.Path));

        Assert.Equal(FormatRule.TensorNotInShard, error.Rule);
        Assert.Equal("ghost.0", error.TensorName);
    }

    [Fact]
    public void Open_IndexWithAnEmptyWeightMap_IsRefused_RatherThanLoadedAsNothing()
    {
        _directory.Write("model-1.safetensors", Safetensors.WithTensors(("a", "U8", "[2]", 0L, 2L)));
        var path = _directory.Write("model.safetensors.index.json", "{\"metadata\":{},\"weight_map\":{}}");

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(_directory.Path));

        Assert.Equal(FormatRule.IndexInvalid, error.Rule);
        Assert.Equal($"{path}: the index's weight_map is empty: it names no tensor and no shard; download the index again, or open the .safetensors files without it", error.Message);
    }

    [Theory]
    [InlineData("\"\"", "an empty string")]
    [InlineData("null", "null")]
    [InlineData("3", "the number 3")]
    public void Open_IndexEntryThatNamesNoFile_SaysWhatItHolds(string value, string found)
    {
        var path = _directory.Write("model.safetensors.index.json", $"{{\"weight_map\":{{\"a\":{value}}}}}");

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(path));

        Assert.Equal($"{path}: weight_map entry 'a' must name a shard file, but it is {found}: the index is damaged; download it again", error.Message);
    }

    [Fact]
    public void Verify_ShardThatCannotBeRead_IsTheOnlyProblem_NotItsTensorsMissingFromTheIndex()
    {
        _directory.Write("model-1.safetensors", Safetensors.WithTensors(("a", "U8", "[2]", 0L, 2L)));
        _directory.Write("model-2.safetensors", "<html>Access denied</html>");
        _directory.Write("model.safetensors.index.json",
            "{\"metadata\":{\"total_size\":4},\"weight_map\":{\"a\":\"model-1.safetensors\",\"b\":\"model-2.safetensors\",\"c\":\"model-2.safetensors\"}}");

        var report = CheckpointVerifier.Verify(_directory.Path);

        var error = Assert.Single(report.Errors);
        Assert.Contains("model-2.safetensors", error.Message, StringComparison.Ordinal);
        Assert.Contains("HTML", error.Message, StringComparison.Ordinal);
        Assert.Empty(report.Warnings);
    }

    [Fact]
    public void Open_IndexLargerThanTheLimit_IsRefusedBeforeItIsRead()
    {
        var path = Path.Combine(_directory.Path, "model.safetensors.index.json");
        using (var file = new FileStream(path, FileMode.CreateNew))
        {
            file.SetLength(Checkpoints.Format.ShardIndex.MaxLength + 1); // sparse: no disk space is used
        }

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(path));

        Assert.Equal(FormatRule.IndexInvalid, error.Rule);
        Assert.Equal($"{path}: the index is 100,000,001 bytes, above the limit of 100,000,000 (an index lists names, not data): this is not a shard index; open the shards' folder or a .safetensors file instead", error.Message);
    }

    /// <summary>One shard holding tensor "a", and an index that also names a million tensors it says the shard holds.</summary>
    private void WriteShardWithAMillionGhosts()
    {
        _directory.Write("model-1.safetensors", Safetensors.WithTensors(("a", "U8", "[2]", 0L, 2L)));
        var index = new StringBuilder("{\"weight_map\":{\"a\":\"model-1.safetensors\"");
        for (var i = 0; i < Entries; i++)
        {
            index.Append(",\"ghost.").Append(i).Append("\":\"model-1.safetensors\"");
        }

        _directory.Write("model.safetensors.index.json", index.Append("}}").ToString());
    }

    private const int CheckpointCatalogLimit = Checkpoints.Format.CheckpointCatalog.MaxReportedIndexMismatches;
}
