using System.Text;
using Checkpoints.Loading;
using Checkpoints.Tests.TestSupport;

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
