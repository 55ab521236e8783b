using Checkpoints.Format;
using Checkpoints.Loading.Access;
using Checkpoints.Loading.Reading;
using Checkpoints.Loading.Session;
using Checkpoints.Storage.Cache;
using Checkpoints.Tests.TestSupport;
using Checkpoints.Writing;
using Microsoft.Extensions.Logging;

namespace Checkpoints.Tests.Loading.Access;

public sealed class DirectShardDataTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly ReadPool _pool = new(3);
    private readonly CancellationTokenSource _disposing = new();
    private readonly ListLogger _logger = new();
    private readonly AlignedBuffers _buffers = new(DirectShardData.ChunkBytes, DirectShardData.Alignment);

    public void Dispose()
    {
        _buffers.Dispose();
        _pool.Dispose();
        _disposing.Dispose();
        _directory.Dispose();
    }

    private (OpenedShard Shard, byte[] File) Write(params int[] tensorSizes)
    {
        var random = new Random(11);
        var path = _directory.File("m.safetensors");
        CheckpointWriter.WriteFile(path, [.. tensorSizes.Select((size, i) =>
        {
            var data = new byte[size];
            random.NextBytes(data);
            return TensorToWrite.FromBytes($"t{i}", DType.U8, [size], data);
        })]);
        return (ShardOpening.Read(path), File.ReadAllBytes(path));
    }

    private DirectShardData Open(OpenedShard shard) =>
        new(shard.Header, shard.Identity, new ReadSettings(_pool, 1 << 20, TimeSpan.FromSeconds(30), _disposing.Token), _buffers, _logger);

    [Fact]
    public void CopiesTheFilesBytes_AtUnalignedOffsets_AcrossChunks_AndAtTheEndOfTheFile()
    {
        // A tensor over three 4 MiB chunks, small ones before and after, the last ending the file at an odd length.
        var (shard, file) = Write(1_000, (9 << 20) + 123, 0, 4_095, 1);
        using var data = Open(shard);

        foreach (var tensor in shard.Header.Tensors)
        {
            var start = shard.Header.DataStart + tensor.DataBegin;
            var copy = new byte[tensor.ByteLength];
            data.CopyTo(start, copy);
            Assert.Equal(file.AsSpan((int)start, copy.Length).ToArray(), copy);
        }

        // Ranges that start and end inside pages and chunks.
        foreach (var (start, length) in new[] { (1L, 10), (4_095L, 2), (4_096L, 4_096), ((4L << 20) - 7, 14), (5_000L, 8 << 20), (file.Length - 3L, 3) })
        {
            var copy = new byte[length];
            data.CopyTo(start, copy);
            Assert.Equal(file.AsSpan((int)start, length).ToArray(), copy);
        }

        Assert.Equal(file.AsSpan(5, 100).ToArray(), data.GetSpan(5, 100).ToArray());
    }

    [Fact]
    public void ReadsPastThePageCache_LeavingTheFileUncached()
    {
        var (shard, file) = Write(6 << 20);
        Assert.True(PageCache.Evict(shard.Header.FilePath));
        using var data = Open(shard);

        var copy = new byte[6 << 20];
        data.CopyTo(shard.Header.DataStart, copy);

        Assert.Equal(file.AsSpan((int)shard.Header.DataStart, copy.Length).ToArray(), copy);
        // The temporary folder's file system takes direct I/O (ext4 here); through the page cache, the file would now be cached.
        Assert.DoesNotContain(_logger.Messages(LogLevel.Information), message => message.Contains("refuses direct I/O", StringComparison.Ordinal));
        var residency = PageCache.CreateDefault().GetResidency(shard.Header.FilePath);
        Assert.True(residency.CachedBytes < 1 << 20, $"{residency.CachedBytes} bytes of the file are cached after direct reads");
    }

    [Fact]
    public void ATruncatedShard_IsAnErrorNamingTheFile_NotShortData()
    {
        var (shard, _) = Write(3 << 20, 3 << 20);
        using var data = Open(shard);
        // The first copy opens the file; it is cut short after that, under the open handle.
        data.CopyTo(shard.Header.DataStart, new byte[3 << 20]);
        using (var stream = new FileStream(shard.Header.FilePath, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(shard.Header.DataStart + (4 << 20));
        }

        var second = shard.Header.Tensors[1];
        var error = Assert.ThrowsAny<IOException>(() => data.CopyTo(shard.Header.DataStart + second.DataBegin, new byte[second.ByteLength]));

        Assert.Contains(shard.Header.FilePath, error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParkedAndReopened_StillCopies_AndAfterDispose_RefusesCleanly()
    {
        var (shard, file) = Write(10_000);
        var data = Open(shard);
        var start = shard.Header.DataStart;

        data.Park();
        var copy = new byte[10_000];
        data.CopyTo(start, copy);
        Assert.Equal(file.AsSpan((int)start, copy.Length).ToArray(), copy);

        data.Dispose();
        Assert.Throws<ObjectDisposedException>(() => data.CopyTo(start, copy));
    }
}
