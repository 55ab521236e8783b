using Checkpoints.Format;
using Checkpoints.Loading;
using Checkpoints.Tests.TestSupport;
using Checkpoints.Writing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Checkpoints.Tests.Loading;

public sealed class EagerShardDataTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private (ShardHeader Header, byte[] File) Write(params int[] tensorSizes)
    {
        var random = new Random(7);
        var path = _directory.File("m.safetensors");
        CheckpointWriter.WriteFile(path, [.. tensorSizes.Select((size, i) =>
        {
            var data = new byte[size];
            random.NextBytes(data);
            return TensorToWrite.FromBytes($"t{i}", DType.U8, [size], data);
        })]);
        return (ShardHeaderReader.Read(path), File.ReadAllBytes(path));
    }

    [Fact]
    public void Load_HoldsTheSameBytesAsTheFile_AcrossGroupsAndChunks()
    {
        // Group arrays of 1,000 bytes, a 2,500-byte tensor cut in chunks of 1,000, zero-size tensors in between.
        var (header, file) = Write(300, 400, 0, 500, 2_500, 0, 10, 990);

        var data = EagerShardData.Load(header, threads: 3, blockSize: 64, NullLogger.Instance, groupBytes: 1_000, chunkBytes: 1_000, CancellationToken.None);

        foreach (var tensor in header.Tensors)
        {
            var start = header.DataStart + tensor.DataBegin;
            Assert.Equal(file.AsSpan((int)start, (int)tensor.ByteLength).ToArray(), data.GetSpan(start, (int)tensor.ByteLength).ToArray());
        }

        // A range across two chunks of the big tensor is copied together.
        var big = header.Tensors.Single(t => t.Name == "t4");
        var across = header.DataStart + big.DataBegin + 900;
        Assert.Equal(file.AsSpan((int)across, 300).ToArray(), data.GetSpan(across, 300).ToArray());
    }

    [Fact]
    public void Load_AlignsEveryArrayToATensorStart()
    {
        var (header, _) = Write(3, 8, 5);

        var data = EagerShardData.Load(header, 2, 4096, NullLogger.Instance, groupBytes: 4, chunkBytes: 4, CancellationToken.None);

        Assert.True(data.IsAligned(header.DataStart + header.Tensors[1].DataBegin, 8));
        Assert.False(data.IsAligned(header.DataStart + header.Tensors[1].DataBegin + 2, 4));
    }

    [Fact]
    public void Load_ReportsAShardThatShrankSinceItWasOpened()
    {
        var (header, file) = Write(1_000);
        File.WriteAllBytes(header.FilePath, file[..^10]);

        var error = Assert.Throws<IOException>(() => EagerShardData.Load(header, 2, 4096, NullLogger.Instance, CancellationToken.None));

        Assert.Contains("changed while loading", error.Message, StringComparison.Ordinal);
        Assert.Contains(header.FilePath, error.Message, StringComparison.Ordinal);
    }
}
