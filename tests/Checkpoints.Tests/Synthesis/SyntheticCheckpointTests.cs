using Checkpoints.Loading;
using Checkpoints.Synthesis;
using Checkpoints.Tests.TestSupport;

namespace Checkpoints.Tests.Synthesis;

public sealed class SyntheticCheckpointTests
{
    [Theory]
    [InlineData(16L << 20)]
    [InlineData(256L << 20)]
    [InlineData(4L << 30)]
    [InlineData(100L << 30)]
    public void Plan_ComesWithinTenPercentOfTheRequestedSize(long target)
    {
        var total = SyntheticCheckpoint.Plan(target, DType.BF16).Sum(t => t.ByteLength);

        Assert.InRange(total, target * 0.9, target * 1.1);
    }

    [Fact]
    public void Plan_IsLlamaShaped()
    {
        var names = SyntheticCheckpoint.Plan(64L << 20, DType.BF16).Select(t => t.Name).ToArray();

        Assert.Equal("model.embed_tokens.weight", names[0]);
        Assert.Equal("lm_head.weight", names[^1]);
        Assert.Contains("model.layers.0.self_attn.q_proj.weight", names);
        Assert.Contains("model.layers.3.mlp.down_proj.weight", names);
    }

    [Fact]
    public void Write_IsDeterministic_AndSplitsIntoTheRequestedShardCount()
    {
        using var first = new TempDirectory();
        using var second = new TempDirectory();

        SyntheticCheckpoint.Write(first.Path, 8L << 20, 3, DType.BF16);
        SyntheticCheckpoint.Write(second.Path, 8L << 20, 3, DType.BF16);

        using var a = Checkpoint.Open(first.Path);
        using var b = Checkpoint.Open(second.Path);
        Assert.Equal(3, a.Shards.Count);
        Assert.Equal(ContentDigest.Compute(a).Digest, ContentDigest.Compute(b).Digest);
        var sizes = a.Shards.Select(s => s.FileLength).ToArray();
        Assert.True(sizes.Max() < sizes.Min() * 2, $"shards should be of similar size: {string.Join(", ", sizes)}");
    }

    [Theory]
    [InlineData(DType.BF16)]
    [InlineData(DType.F16)]
    [InlineData(DType.F32)]
    [InlineData(DType.F8E4M3)]
    [InlineData(DType.F8E5M2)]
    public void Write_ProducesFiniteWeightLikeFloats(DType dtype)
    {
        using var directory = new TempDirectory();
        SyntheticCheckpoint.Write(directory.Path, 1L << 20, 1, dtype);

        using var checkpoint = Checkpoint.Open(directory.Path);
        var values = checkpoint.Tensors[0].ToSingleArray();

        Assert.All(values, v => Assert.True(float.IsFinite(v) && Math.Abs(v) <= 2.5f && Math.Abs(v) >= 1f / 512, $"{v}"));
    }

    [Fact]
    public void Write_RefusesMoreShardsThanTensors()
    {
        using var directory = new TempDirectory();

        Assert.Throws<ArgumentException>(() => SyntheticCheckpoint.Write(directory.Path, 1L << 20, 10_000, DType.BF16));
    }
}
