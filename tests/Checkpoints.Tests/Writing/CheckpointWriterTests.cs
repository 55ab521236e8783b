using System.Buffers.Binary;
using Checkpoints.Format;
using Checkpoints.Tests.TestSupport;
using Checkpoints.Writing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Checkpoints.Tests.Writing;

public sealed class CheckpointWriterTests : IDisposable
{
    private static readonly DType[] AllTypes = Enum.GetValues<DType>();
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Property(MaxTest = 60)]
    public Property WriteThenRead_PreservesNamesTypesShapesAndBytes()
    {
        var tensorGen =
            from type in Gen.Elements(AllTypes)
            from rank in Gen.Choose(0, 3)
            from dims in Gen.ArrayOf(Gen.Choose(0, 6), rank)
            select (type, dims: dims.Select(d => (long)d).ToArray());
        var gen =
            from count in Gen.Choose(0, 8)
            from tensors in Gen.ArrayOf(tensorGen, count)
            from seed in Gen.Choose(0, 1000)
            select (tensors, seed);

        return Prop.ForAll(gen.ToArbitrary(), input =>
        {
            using var directory = new TempDirectory();
            var random = new Random(input.seed);
            // Sub-byte types need an element count that fills whole bytes: make the last dimension a multiple of 4.
            var tensors = input.tensors.Select((t, i) =>
            {
                var shape = t.type.ByteSize() == 0 && t.dims.Length > 0 ? [.. t.dims[..^1], t.dims[^1] * 4] : t.dims;
                if (t.type.ByteSize() == 0 && shape.Length == 0)
                {
                    shape = [4];
                }

                var length = shape.Aggregate(1L, (a, b) => a * b) * t.type.BitSize() / 8;
                var data = new byte[length];
                random.NextBytes(data);
                return (name: $"t{i}.{t.type}", t.type, shape, data);
            }).ToArray();
            var path = directory.File("m.safetensors");
            CheckpointWriter.WriteFile(path, [.. tensors.Select(t => TensorToWrite.FromBytes(t.name, t.type, t.shape, t.data))],
                new Dictionary<string, string> { ["format"] = "pt" });

            using var checkpoint = Checkpoint.Open(path);
            Assert.Equal(tensors.Length, checkpoint.Tensors.Count);
            foreach (var expected in tensors)
            {
                var actual = checkpoint[expected.name];
                Assert.Equal(expected.type, actual.DType);
                Assert.Equal(expected.shape, actual.Shape);
                Assert.Equal(expected.data, actual.Bytes.ToArray());
            }

            Assert.Equal("pt", checkpoint.Shards[0].Metadata["format"]);
        });
    }

    [Fact]
    public void WriteFile_PadsHeaderWithSpaces_SoDataIsEightByteAligned()
    {
        var path = _directory.File("m.safetensors");

        CheckpointWriter.WriteFile(path, [TensorToWrite.FromBytes("abc", DType.U8, [3], new byte[] { 1, 2, 3 })]);

        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + headerLength) % 8);
        Assert.EndsWith("}", System.Text.Encoding.UTF8.GetString(bytes, 8, headerLength).TrimEnd(' '), StringComparison.Ordinal);
    }

    [Fact]
    public void WriteFile_RefusesCallbackThatWritesTooMuch_AndLeavesNoFile()
    {
        var path = _directory.File("m.safetensors");
        var tensor = new TensorToWrite("w", DType.F32, [1], stream => stream.Write(new byte[5]));

        var error = Assert.Throws<InvalidOperationException>(() => CheckpointWriter.WriteFile(path, [tensor]));

        Assert.Contains("more than the 4 bytes", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory.Path));
    }

    [Fact]
    public void WriteFile_RefusesCallbackThatWritesTooLittle()
    {
        var tensor = new TensorToWrite("w", DType.F32, [2], stream => stream.Write(new byte[4]));

        var error = Assert.Throws<InvalidOperationException>(() => CheckpointWriter.WriteFile(_directory.File("m.safetensors"), [tensor]));

        Assert.Contains("wrote 4 bytes; its dtype and shape declare 8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteFile_KeepsTheOldFile_WhenWritingFails()
    {
        var path = _directory.Write("m.safetensors", [42]);

        Assert.Throws<InvalidOperationException>(() => CheckpointWriter.WriteFile(path, [new TensorToWrite("w", DType.U8, [1], _ => throw new InvalidOperationException("source failed"))]));

        Assert.Equal([42], File.ReadAllBytes(path));
    }

    [Fact]
    public void TensorToWrite_RefusesInvalidDescriptions()
    {
        Assert.Throws<ArgumentException>(() => new TensorToWrite("__metadata__", DType.U8, [1], _ => { }));
        Assert.Throws<ArgumentException>(() => new TensorToWrite("w", DType.U8, [-1], _ => { }));
        Assert.Throws<ArgumentException>(() => new TensorToWrite("w", DType.F4, [3], _ => { }));
        Assert.Throws<ArgumentException>(() => new TensorToWrite("w", DType.U8, [long.MaxValue, 2], _ => { }));
    }

    [Fact]
    public void WriteFile_RefusesDuplicateNames()
    {
        var a = TensorToWrite.FromBytes("w", DType.U8, [1], new byte[1]);

        Assert.Throws<ArgumentException>(() => CheckpointWriter.WriteFile(_directory.File("m.safetensors"), [a, a]));
    }

    [Fact]
    public void WriteSharded_SplitsByMaximumSize_AndWritesIndex()
    {
        var tensors = Enumerable.Range(0, 5).Select(i => TensorToWrite.FromBytes($"t{i}", DType.U8, [100], new byte[100])).ToArray();

        var written = CheckpointWriter.WriteSharded(_directory.Path, tensors, maxShardBytes: 250);

        Assert.Equal(["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors", "model.safetensors.index.json"],
            written.Select(Path.GetFileName));
        using var checkpoint = Checkpoint.Open(_directory.Path);
        Assert.Equal([2, 2, 1], checkpoint.Shards.Select(s => s.TensorCount));
        Assert.Empty(checkpoint.Warnings);
        Assert.Contains("\"total_size\": 500", File.ReadAllText(written[^1]), StringComparison.Ordinal);
    }

    [Fact]
    public void WriteSharded_GivesOversizedTensorItsOwnShard()
    {
        var tensors = new[] { 10, 1000, 10 }.Select((n, i) => TensorToWrite.FromBytes($"t{i}", DType.U8, [n], new byte[n])).ToArray();

        var shards = CheckpointWriter.SplitBySize(tensors, 100);

        Assert.Equal([1, 1, 1], shards.Select(s => s.Count));
    }

    [Fact]
    public void WriteSharded_SingleShard_IsPlainModelFile()
    {
        var written = CheckpointWriter.WriteSharded(_directory.Path, [TensorToWrite.FromBytes("t", DType.U8, [1], new byte[1])], maxShardBytes: 1 << 20);

        Assert.Equal("model.safetensors", Path.GetFileName(Assert.Single(written)));
    }
}
