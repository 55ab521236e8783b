using Checkpoints.Format;
using Checkpoints.Synthesis;
using Checkpoints.Tests.TestSupport;
using Checkpoints.Verification;


namespace Checkpoints.Tests.Verification;

public sealed class CheckpointVerifierTests
{
    [Fact]
    public void Verify_ValidCheckpoint_ReadsEveryDataByte()
    {
        using var directory = new TempDirectory();
        SyntheticCheckpoint.Write(directory.Path, 2L << 20, 3, DType.BF16);
        using var checkpoint = Checkpoint.Open(directory.Path);

        var report = CheckpointVerifier.Verify(directory.Path);

        Assert.True(report.IsValid);
        Assert.Equal(checkpoint.TotalTensorBytes, report.BytesRead);
        Assert.Equal(checkpoint.Tensors.Count, report.TensorCount);
    }

    [Fact]
    public void Verify_ListsEveryBrokenShard_NotJustTheFirst()
    {
        using var directory = new TempDirectory();
        SyntheticCheckpoint.Write(directory.Path, 2L << 20, 3, DType.BF16);
        var shards = Directory.GetFiles(directory.Path, "*.safetensors").Order().ToArray();
        File.WriteAllBytes(shards[0], File.ReadAllBytes(shards[0])[..^1000]);
        File.WriteAllBytes(shards[2], []);

        var report = CheckpointVerifier.Verify(directory.Path);

        Assert.False(report.IsValid);
        var rules = report.Errors.OfType<CheckpointFormatException>().Select(e => e.Rule).ToArray();
        Assert.Contains(FormatRule.FileTruncated, rules);
        Assert.Contains(FormatRule.EmptyFile, rules);
        // The index names tensors of the two broken shards: they are not reported missing on top, since the cause is the
        // shards, and "download the index and shards again together" would send the user after the wrong thing.
        Assert.Equal(2, report.Errors.Count);
    }
}
