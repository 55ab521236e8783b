using Checkpoints.Format;
using Checkpoints.Loading.Access;
using Checkpoints.Loading.Reading;
using Checkpoints.Loading.Session;
using Checkpoints.Storage.Cache;
using Checkpoints.Tests.TestSupport;
using Checkpoints.Units;
using Checkpoints.Writing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Checkpoints.Tests.Loading.Access;

public sealed class OwnedShardDataTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly ReadPool _pool = new(3);
    private readonly CancellationTokenSource _disposing = new();

    public void Dispose()
    {
        _pool.Dispose();
        _disposing.Dispose();
        _directory.Dispose();
    }

    private ReadSettings Settings(int blockSize = 64) => new(_pool, blockSize, TimeSpan.FromSeconds(30), _disposing.Token);

    private (OpenedShard Shard, byte[] File) Write(params int[] tensorSizes)
    {
        var random = new Random(7);
        var path = _directory.File("m.safetensors");
        CheckpointWriter.WriteFile(path, [.. tensorSizes.Select((size, i) =>
        {
            var data = new byte[size];
            random.NextBytes(data);
            return TensorToWrite.FromBytes($"t{i}", DType.U8, [size], data);
        })]);
        return (ShardOpening.Read(path), File.ReadAllBytes(path));
    }

    private OwnedShardData Open(OpenedShard shard, bool eager, long groupBytes = 1_000, long chunkBytes = 1_000, bool direct = false, int blockSize = 64)
    {
        var segments = ShardSegments.Plan(shard.Header, groupBytes, chunkBytes);
        return eager
            ? OwnedShardData.LoadEager(shard.Header, shard.Identity, Settings(blockSize), segments, direct, NullLogger.Instance)
            : OwnedShardData.ForReads(shard.Header, shard.Identity, Settings(blockSize), segments);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void HoldsTheSameBytesAsTheFile_AcrossGroupsAndChunks(bool eager, bool direct)
    {
        // Group arrays of 1,000 bytes, a 2,500-byte tensor cut in chunks of 1,000, zero-size tensors in between. Direct:
        // segments start and end off the page grid, and the file ends inside a page.
        var (shard, file) = Write(300, 400, 0, 500, 2_500, 0, 10, 990);
        var header = shard.Header;

        using var data = Open(shard, eager, direct: direct);

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
    public void ReadAccess_ReadsAgainASegmentItLetGo_AndStillServesTheSameBytes()
    {
        var (shard, file) = Write(900, 900, 900, 900);
        var header = shard.Header;
        using var data = Open(shard, eager: false);

        // Read the last tensor, then the first again: the first's segment was dropped and is read back.
        var first = header.DataStart + header.Tensors[0].DataBegin;
        var kept = data.GetSpan(first, 900).ToArray();
        foreach (var tensor in header.Tensors)
        {
            _ = data.GetSpan(header.DataStart + tensor.DataBegin, 900).Length;
        }

        Assert.Equal(2, data.LoadedSegments);
        Assert.Equal(file.AsSpan((int)first, 900).ToArray(), data.GetSpan(first, 900).ToArray());
        Assert.Equal(kept, data.GetSpan(first, 900).ToArray());
    }

    [Fact]
    public void ReadAccess_Park_LetsGoOfEverySegment_AndReadsThemBackWhenAskedAgain()
    {
        var (shard, file) = Write(900, 900);
        var header = shard.Header;
        using var data = Open(shard, eager: false);
        _ = data.GetSpan(header.DataStart, 900).Length;
        _ = data.GetSpan(header.DataStart + 900, 900).Length;

        data.Park();

        Assert.Equal(0, data.LoadedSegments);
        Assert.Equal(file.AsSpan((int)header.DataStart + 900, 900).ToArray(), data.GetSpan(header.DataStart + 900, 900).ToArray());
    }

    [Fact]
    public void ReadAccess_ARangeAcrossChunks_KeepsTheChunkItAlreadyHad_WhileLoadingTheOther()
    {
        // t0 is cut into chunks of 1,000 bytes; t1 is a segment of its own.
        var (shard, file) = Write(2_500, 500);
        var header = shard.Header;
        using var data = Open(shard, eager: false);
        var big = header.DataStart + header.Tensors[0].DataBegin;
        _ = data.GetSpan(big, 10).Length;                                          // chunk 0
        _ = data.GetSpan(header.DataStart + header.Tensors[1].DataBegin, 500).Length; // t1: chunk 0 is now the oldest

        // Loading chunk 1 makes room by dropping the oldest, which is chunk 0: this read needs it.
        var across = data.GetSpan(big + 900, 300).ToArray();

        Assert.Equal(file.AsSpan((int)big + 900, 300).ToArray(), across);
    }

    [Fact]
    public void AlignsEveryArrayToATensorStart()
    {
        var (shard, _) = Write(3, 8, 5);
        var header = shard.Header;

        using var data = Open(shard, eager: true, groupBytes: 4, chunkBytes: 4);

        Assert.True(data.IsAligned(header.DataStart + header.Tensors[1].DataBegin, 8));
        Assert.False(data.IsAligned(header.DataStart + header.Tensors[1].DataBegin + 2, 4));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ReportsAShardThatShrankSinceItWasOpened(bool eager)
    {
        var (shard, file) = Write(1_000);
        File.WriteAllBytes(shard.Header.FilePath, file[..^10]);

        var error = Assert.Throws<IOException>(() => Open(shard, eager).GetSpan(shard.Header.DataStart, 1_000).ToArray());

        Assert.Contains("changed while loading", error.Message, StringComparison.Ordinal);
        Assert.Contains($"was {Invariant.N(file.Length)} bytes when opened, now {Invariant.N(file.Length - 10)}", error.Message, StringComparison.Ordinal);
        Assert.Contains(shard.Header.FilePath, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadAccess_ReportsAShardRewrittenInPlace_BetweenTwoReads()
    {
        var (shard, file) = Write(900, 900);
        var header = shard.Header;
        using var data = Open(shard, eager: false);
        _ = data.GetSpan(header.DataStart, 900).Length;

        // Same size, other bytes, a later modification time: what a re-upload in place looks like.
        using (var stream = new FileStream(header.FilePath, FileMode.Open, FileAccess.Write))
        {
            stream.Position = file.Length - 900;
            stream.Write(new byte[900]);
        }

        File.SetLastWriteTimeUtc(header.FilePath, DateTime.UtcNow.AddSeconds(5));

        var error = Assert.Throws<IOException>(() => data.GetSpan(header.DataStart + 900, 900).ToArray());
        Assert.Contains("the shard changed while loading: it was modified at", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadAccess_ReportsAShardReplacedByAnotherFile()
    {
        var (shard, file) = Write(900, 900);
        var header = shard.Header;
        using var data = Open(shard, eager: false);
        _ = data.GetSpan(header.DataStart, 900).Length;
        data.Park();

        var replacement = _directory.File("new.safetensors");
        File.WriteAllBytes(replacement, file);
        File.Move(replacement, header.FilePath, overwrite: true);

        var error = Assert.Throws<IOException>(() => data.GetSpan(header.DataStart + 900, 900).ToArray());
        Assert.Contains("the shard was replaced while loading", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadAccess_ReportsAShardDeletedWhileLoading()
    {
        var (shard, _) = Write(900);
        using var data = Open(shard, eager: false);
        File.Delete(shard.Header.FilePath);

        var error = Assert.Throws<IOException>(() => data.GetSpan(shard.Header.DataStart, 900).ToArray());
        Assert.Contains("the shard was deleted while loading", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Disposed_RefusesFurtherReads()
    {
        var (shard, _) = Write(900);
        var data = Open(shard, eager: false);
        data.Dispose();

        Assert.Throws<ObjectDisposedException>(() => data.GetSpan(shard.Header.DataStart, 900).ToArray());
    }

    [Fact]
    public void EagerDirect_ReadsPastThePageCache_IntoPageAlignedSegments()
    {
        // Tensors of odd sizes over several megabytes, read in blocks of 64 KiB into segments of about 1 MiB.
        var (shard, file) = Write(1_000_003, 700_001, 2_000_000, 333, 1_500_000);
        var header = shard.Header;
        Assert.True(PageCache.Evict(header.FilePath));

        using var data = Open(shard, eager: true, groupBytes: 1 << 20, chunkBytes: 1 << 20, direct: true, blockSize: 64 << 10);

        // Nothing came through the page cache (this folder is on a local disk, which takes direct reads).
        Assert.Equal(0, PageCache.CreateDefault().GetCachedBytes(header.FilePath, 0, new FileInfo(header.FilePath).Length));
        foreach (var tensor in header.Tensors)
        {
            var start = header.DataStart + tensor.DataBegin;
            Assert.Equal(file.AsSpan((int)start, (int)tensor.ByteLength).ToArray(), data.GetSpan(start, (int)tensor.ByteLength).ToArray());
        }

        // Each byte sits at an address that keeps its file offset modulo the page size.
        var page = ((header.DataStart + header.Tensors[2].DataBegin) / 4096 + 1) * 4096;
        Assert.True(data.IsAligned(page, 4096));
        Assert.False(data.IsAligned(page + 8, 4096));
        unsafe
        {
            fixed (byte* address = data.GetSpan(page, 1))
            {
                Assert.Equal(0, (nint)address % 4096);
            }
        }
    }
}
