using Checkpoints.Format;
using Checkpoints.Loading.Access;
using Checkpoints.Loading.Reading;
using Checkpoints.Loading.Session;
using Checkpoints.Selection;
using Checkpoints.Storage.Cache;
using Checkpoints.Tests.Selection;
using Checkpoints.Tests.TestSupport;
using Checkpoints.Writing;

namespace Checkpoints.Tests.Loading.Access;

/// <summary>
/// A guarded map gathers a strided slice by vectored reads (<see cref="StridedReads"/>): the same bytes a copy through
/// the map gives, over more rows than one read call takes, and a shard cut short is an error, never SIGBUS.
/// </summary>
public sealed class StridedReadsTests : IDisposable
{
    // 3000 rows of 64 bytes, a quarter of each taken: 6000 pieces and gaps, more buffers than one preadv takes (1024).
    private const int Rows = 3000;
    private const int Columns = 64;

    private readonly TempDirectory _directory = new();
    private readonly ReadPool _pool = new(2);
    private readonly CancellationTokenSource _disposing = new();

    public StridedReadsTests() =>
        Assert.True(MapPopulate.IsSupported, "this kernel cannot populate maps (Linux 5.14 or later): populated maps are never planned here");

    public void Dispose()
    {
        _pool.Dispose();
        _disposing.Dispose();
        _directory.Dispose();
    }

    [Theory]
    [InlineData(1 << 20, 4096)] // one read job, the slice copied out whole
    [InlineData(4 << 10, 37)] // many jobs, each copy starting and ending inside a piece
    public void Gather_HandsOutTheSliceItsOwnRowMajorOrder_InCopiesOfAnySize(int blockSize, int copyBytes)
    {
        var (data, slice, expected) = Open(blockSize, TensorSlice.Columns(16, 16));
        using (data)
        {
            var copy = new byte[expected.Length];
            for (var start = 0; start < copy.Length;)
            {
                var destination = copy.AsSpan(start, Math.Min(copyBytes, copy.Length - start));
                var copied = data.Gather(slice, start, destination);
                Assert.InRange(copied, 1, destination.Length);
                start += copied;
            }

            Assert.Equal(expected, copy);
        }
    }

    [Fact]
    public void Gather_OfOneBytePieces_CopiesThemAll_AndStopsAtTheSlicesEnd()
    {
        var (data, slice, expected) = Open(1 << 20, TensorSlice.Columns(0, 1));
        using (data)
        {
            var copy = new byte[expected.Length];
            Assert.Equal(copy.Length, data.Gather(slice, 0, copy));
            Assert.Equal(expected, copy);
            Assert.Equal(1, data.Gather(slice, Rows - 1, copy.AsSpan(0, 5)));
            Assert.Equal(expected[^1], copy[0]);
        }
    }

    [Fact]
    public void Gather_ReportsAShardCutShortInsideTheSlice_NamingIt()
    {
        var (data, slice, _) = Open(1 << 20, TensorSlice.Columns(16, 16));
        using (data)
        {
            using (var stream = new FileStream(Path, FileMode.Open, FileAccess.Write))
            {
                stream.SetLength(slice.FileOffset + (Rows / 2 * Columns));
            }

            var error = Assert.Throws<IOException>(() => data.Gather(slice, 0, new byte[slice.ByteLength]));
            Assert.Contains(Path, error.Message, StringComparison.Ordinal);
            Assert.Contains("the shard changed while loading", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Gather_AfterPark_OpensTheFileAgain_AndRefusesOneReplacedMeanwhile()
    {
        var (data, slice, expected) = Open(1 << 20, TensorSlice.Columns(16, 16));
        using (data)
        {
            var copy = new byte[expected.Length];
            data.Gather(slice, 0, copy);
            data.Park();
            Array.Clear(copy);
            data.Gather(slice, 0, copy);
            Assert.Equal(expected, copy);

            data.Park();
            var replacement = _directory.File("replacement.safetensors");
            File.Copy(Path, replacement);
            File.Move(replacement, Path, overwrite: true);
            var error = Assert.Throws<IOException>(() => data.Gather(slice, 0, copy));
            Assert.Contains("the shard was replaced while loading", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Gather_WhenDisposed_Refuses()
    {
        var (data, slice, _) = Open(1 << 20, TensorSlice.Columns(16, 16));
        data.Dispose();

        Assert.Throws<ObjectDisposedException>(() => data.Gather(slice, 0, new byte[16]));
    }

    private string Path => _directory.File("strided.safetensors");

    /// <summary>A shard of one U8 matrix of random bytes, mapped and guarded; the slice of it and its expected bytes.</summary>
    private (MappedShardData Data, SliceGeometry Slice, byte[] Expected) Open(int blockSize, TensorSlice cut)
    {
        var bytes = new byte[Rows * Columns];
        new Random(5).NextBytes(bytes);
        CheckpointWriter.WriteFile(Path, [TensorToWrite.FromBytes("w", DType.U8, [Rows, Columns], bytes)]);
        var shard = ShardOpening.Read(Path);
        var tensor = shard.Header.Tensors[0];
        var slice = SliceGeometry.Of(tensor, shard.Header.DataStart + tensor.DataBegin, cut, readThroughGap: Columns);
        var settings = new ReadSettings(_pool, blockSize, TimeSpan.FromSeconds(30), _disposing.Token);
        var data = MappedShardData.OpenPopulated(shard.Header, shard.Identity, settings);
        return (data, slice, SliceReference.Cut(bytes, [Rows, Columns], 1, cut));
    }
}
