using System.Buffers.Binary;
using System.Text;
using Checkpoints.Format;

namespace Checkpoints.Tests.Format;

/// <summary>
/// Headers built to hurt the parser: deep nesting, numbers beyond 64 bits, invalid text, length prefixes that lie.
/// Each must end in the exact rule, quickly, and without allocating by what the file claims rather than what it holds.
/// </summary>
public sealed class HostileHeaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ckpt-hostile-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(64)]
    [InlineData(100_000)]
    public void Open_RejectsAsNotJson_WhenAnUnknownKeyNestsDeeply(int depth)
    {
        var nested = new string('[', depth) + new string(']', depth);
        var path = Write($$$"""{"t":{"dtype":"U8","shape":[1],"x":{{{nested}}},"data_offsets":[0,1]}}""", data: 1);

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(path));

        Assert.Equal(FormatRule.HeaderNotJson, error.Rule);
    }

    [Fact]
    public void Open_AcceptsUnknownKeys_NestedWithinTheDepthLimit()
    {
        var nested = new string('[', 60) + new string(']', 60);
        var path = Write($$$"""{"t":{"dtype":"U8","shape":[1],"x":{{{nested}}},"data_offsets":[0,1]}}""", data: 1);

        using var checkpoint = Checkpoint.Open(path);

        Assert.Equal("t", Assert.Single(checkpoint.Tensors).Name);
    }

    [Theory]
    [InlineData("""{"\ud800":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""")]
    [InlineData("""{"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"__metadata__":{"k":"\udc00"}}""")]
    [InlineData("""{"t":{"dtype":"U8\ud800","shape":[1],"data_offsets":[0,1]}}""")]
    public void Open_RejectsAsNotJson_WhenAStringHoldsALoneSurrogate(string header)
    {
        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(Write(header, data: 1)));

        Assert.Equal(FormatRule.HeaderNotJson, error.Rule);
    }

    [Theory]
    [InlineData("""[18446744073709551615, 2]""", FormatRule.SizeOverflow)]
    [InlineData("""[9223372036854775808]""", FormatRule.SizeOverflow)]
    [InlineData("""[4294967296, 4294967296]""", FormatRule.SizeOverflow)]
    [InlineData("""[18446744073709551616]""", FormatRule.ShapeInvalid)]
    [InlineData("""[1e400]""", FormatRule.ShapeInvalid)]
    [InlineData("""[1.0]""", FormatRule.ShapeInvalid)]
    [InlineData("""[-1]""", FormatRule.ShapeInvalid)]
    public void Open_RejectsShapes_BeyondSixtyFourBits(string shape, FormatRule rule)
    {
        var path = Write($$$"""{"t":{"dtype":"U8","shape":{{{shape}}},"data_offsets":[0,1]}}""", data: 1);

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(path));

        Assert.Equal(rule, error.Rule);
        Assert.Equal("t", error.TensorName);
    }

    [Theory]
    [InlineData("""[0, 18446744073709551615]""")]
    [InlineData("""[0, 1e400]""")]
    [InlineData("""[18446744073709551615, 18446744073709551615]""")]
    public void Open_RejectsDataOffsets_BeyondTheFile(string offsets)
    {
        var path = Write($$$"""{"t":{"dtype":"U8","shape":[1],"data_offsets":{{{offsets}}}}}""", data: 1);

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(path));

        Assert.Contains(error.Rule, new[] { FormatRule.DataOffsetsInvalid, FormatRule.TensorSizeMismatch });
    }

    [Theory]
    [InlineData(ulong.MaxValue, FormatRule.HeaderTooLarge)]
    [InlineData(100_000_001UL, FormatRule.HeaderTooLarge)]
    [InlineData(100_000_000UL, FormatRule.HeaderLengthInvalid)]
    [InlineData(1_000_000UL, FormatRule.HeaderLengthInvalid)]
    public void Open_DoesNotAllocateWhatThePrefixClaims(ulong declared, FormatRule rule)
    {
        var path = Write("""{"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""", data: 1);
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declared);
        File.WriteAllBytes(path, bytes);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(path));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(rule, error.Rule);
        Assert.InRange(allocated, 0, 1 << 20);
    }

    [Fact]
    public void Open_RejectsAsShapeInvalid_WhenAShapeHasMoreThanMaxRankDimensions()
    {
        var dimensions = string.Join(",", Enumerable.Repeat("1", 1025));
        var path = Write($$$"""{"t":{"dtype":"U8","shape":[{{{dimensions}}}],"data_offsets":[0,1]}}""", data: 1);

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(path));

        Assert.Equal(FormatRule.ShapeInvalid, error.Rule);
        Assert.Equal("t", error.TensorName);
        Assert.Contains("1,024 dimensions", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_AcceptsAShapeOfMaxRankDimensions()
    {
        var dimensions = string.Join(",", Enumerable.Repeat("1", 1024));
        var path = Write($$$"""{"t":{"dtype":"U8","shape":[{{{dimensions}}}],"data_offsets":[0,1]}}""", data: 1);

        using var checkpoint = Checkpoint.Open(path);

        Assert.Equal(1024, Assert.Single(checkpoint.Tensors).Shape.Count);
    }

    [Fact]
    public void Open_AllocatesLittleBeyondTheHeaderBuffer_WhenAShapeHasAMillionDimensions()
    {
        // Found by measuring: before the rank limit, this 2 MB header cost 35 MB (8 bytes per 2-byte "0," and list growth),
        // so a 100 MB header could demand a single 512 MB array.
        var dimensions = string.Join(",", Enumerable.Repeat("0", 1_000_000));
        var path = Write($$$"""{"t":{"dtype":"U8","shape":[{{{dimensions}}}],"data_offsets":[0,0]}}""", data: 0);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(path));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(FormatRule.ShapeInvalid, error.Rule);
        // The header is read into one buffer as long as itself; beyond that, a few kilobytes for the error.
        Assert.InRange(allocated, 0, new FileInfo(path).Length + (64 << 10));
    }

    private string Write(string header, int data)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        var path = Path.Combine(_directory, $"{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
