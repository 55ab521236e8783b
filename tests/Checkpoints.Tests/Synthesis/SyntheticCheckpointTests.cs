using Checkpoints.Format;
using Checkpoints.Synthesis;
using Checkpoints.Tests.TestSupport;
using Checkpoints.Writing;


namespace Checkpoints.Tests.Synthesis;

public sealed class SyntheticCheckpointTests
{
    /// <summary>From the smallest Llama shape to 4 TiB, in steps of a tenth of a power of two, for every dtype width.</summary>
    public static TheoryData<DType> Widths => [DType.U8, DType.BF16, DType.F32, DType.F64];

    [Theory]
    [MemberData(nameof(Widths))]
    public void Plan_ComesWithinOnePercentOfTheRequestedSize(DType dtype)
    {
        var sizes = Enumerable.Range(170, 260).Select(step => (long)Math.Pow(2, step / 10.0))
            .Where(size => size >= SyntheticCheckpoint.MinimumBytes(dtype))
            .Concat([SyntheticCheckpoint.MinimumBytes(dtype), 1L << 20, 4L << 30, 4L << 40, (4L << 40) - 1]);
        foreach (var target in sizes)
        {
            var total = SyntheticCheckpoint.Plan(target, dtype).Sum(t => t.ByteLength);

            Assert.True(total <= target && total >= target * 0.99, $"{dtype} {target}: {total}");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Shards_FilesComeWithinOnePercentOfTheRequestedSize(DType dtype)
    {
        var minimum = SyntheticCheckpoint.MinimumFileBytes(dtype);
        var sizes = Enumerable.Range(0, 120).Select(step => (long)(minimum * Math.Pow(2, step / 6.0))).Append(minimum).Append(4L << 40);
        foreach (var target in sizes)
        {
            var tensors = SyntheticCheckpoint.Shards(target, 1, dtype)[0].Count;
            foreach (var count in new[] { 1, 2, 4, 16 }.Where(count => count <= tensors))
            {
                var files = CheckpointWriter.FileBytes(SyntheticCheckpoint.Shards(target, count, dtype), SyntheticCheckpoint.Metadata);

                Assert.True(Math.Abs(files - target) <= target / 100, $"{dtype} {target} in {count} shards: {files}");
            }
        }
    }

    [Fact]
    public void Plan_ShapesAPebibyte()
    {
        var total = SyntheticCheckpoint.Plan(1L << 50, DType.BF16).Sum(t => t.ByteLength);

        Assert.InRange(total, (1L << 50) * 0.99, 1L << 50);
    }

    [Theory]
    [InlineData(DType.BF16)]
    [InlineData(DType.U8)]
    public void Plan_OutsideItsRange_SaysWhatTheRangeIs(DType dtype)
    {
        var small = Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticCheckpoint.Plan(SyntheticCheckpoint.MinimumBytes(dtype) - 1, dtype));
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticCheckpoint.Plan(SyntheticCheckpoint.MaximumBytes(dtype) + dtype.ByteSize(), dtype));

        Assert.Contains($"between {SyntheticCheckpoint.MinimumBytes(dtype)} and", small.Message, StringComparison.Ordinal);
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
