using Checkpoints.Format;
using Checkpoints.Selection;

namespace Checkpoints.Tests.Selection;

public sealed class SliceGeometryTests
{
    private static TensorEntry Tensor(DType type, params long[] shape)
    {
        var elements = shape.Aggregate(1L, static (a, b) => a * b);
        return new TensorEntry("t", type, shape, elements, 0, elements * type.BitSize() / 8);
    }

    [Fact]
    public void Rows_AreOneRangeAtTheirOffset()
    {
        var geometry = SliceGeometry.Of(Tensor(DType.BF16, 8, 16), 1000, TensorSlice.Rows(2, 3));

        Assert.Equal([3L, 16], geometry.Shape);
        Assert.Equal([new ByteRange(1000 + (2 * 32), 3 * 32)], geometry.Ranges().ToArray());
        Assert.True(geometry.IsContiguous);
    }

    [Fact]
    public void Columns_AreOneRangePerRow_OrOneSpanWhenTheGapsAreSmall()
    {
        var geometry = SliceGeometry.Of(Tensor(DType.F32, 4, 10), 0, TensorSlice.Columns(2, 3), readThroughGap: 27);
        var readThrough = SliceGeometry.Of(Tensor(DType.F32, 4, 10), 0, TensorSlice.Columns(2, 3), readThroughGap: 28);

        Assert.Equal([4L, 3], geometry.Shape);
        Assert.False(geometry.IsContiguous);
        Assert.Equal(48, geometry.ByteLength);
        Assert.False(geometry.GapsAreRead);
        Assert.Equal([new ByteRange(8, 12), new ByteRange(48, 12), new ByteRange(88, 12), new ByteRange(128, 12)], geometry.Ranges().ToArray());
        Assert.True(readThrough.GapsAreRead);
        Assert.Equal([new ByteRange(8, 132)], readThrough.Ranges().ToArray());
    }

    [Fact]
    public void LastDimension_OfAThreeDimensionalTensor_CutsEveryInnermostRow()
    {
        var geometry = SliceGeometry.Of(Tensor(DType.U8, 2, 3, 4), 0, TensorSlice.Split(SliceDimension.Last, 1, 2));

        Assert.Equal([2L, 3, 2], geometry.Shape);
        Assert.Equal(6, geometry.Pieces);
        Assert.Equal(new ByteRange(2, 2), geometry.Ranges().First());
        Assert.Equal(new ByteRange(22, 2), geometry.Ranges().Last());
    }

    [Theory]
    [InlineData(10, 4, 0, 0, 3)]
    [InlineData(10, 4, 3, 9, 10)]
    [InlineData(8, 4, 2, 4, 6)]
    [InlineData(2, 4, 3, 2, 2)]
    public void Split_CutsAsTorchChunkDoes(long extent, int parts, int part, long start, long end)
    {
        Assert.Equal((start, end), TensorSlice.Split(SliceDimension.First, part, parts).Bounds(extent));
    }

    [Fact]
    public void AVector_IsCutAlongItsOnlyDimension_WhicheverDimensionIsAskedFor()
    {
        var geometry = SliceGeometry.Of(Tensor(DType.F16, 8), 0, TensorSlice.Split(SliceDimension.Last, 1, 4));

        Assert.Equal([new ByteRange(4, 4)], geometry.Ranges().ToArray());
    }

    [Fact]
    public void AnEmptyPart_HasNoBytes()
    {
        var geometry = SliceGeometry.Of(Tensor(DType.F32, 2, 2), 0, TensorSlice.Split(SliceDimension.First, 3, 4));

        Assert.Equal(0, geometry.ByteLength);
        Assert.Empty(geometry.Ranges());
        Assert.Equal([0L, 2], geometry.Shape);
    }

    [Theory]
    [InlineData(DType.F32, new long[] { }, 4, "a scalar cannot be cut")]
    [InlineData(DType.F32, new long[] { 4, 4 }, 4, "past the 4 of dimension 0")]
    [InlineData(DType.F4, new long[] { 3, 3 }, 1, "inside a byte of 4-bit elements")]
    public void Impossible_SlicesAreRefused_NamingTheTensor(DType type, long[] shape, long rows, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => SliceGeometry.Of(Tensor(type, shape), 0, TensorSlice.Rows(1, rows)));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("Tensor 't' ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SubByteTypes_CutOnByteBoundaries()
    {
        var geometry = SliceGeometry.Of(Tensor(DType.F4, 4, 4), 0, TensorSlice.Rows(1, 2));

        Assert.Equal([new ByteRange(2, 4)], geometry.Ranges().ToArray());
    }
}
