using System.Globalization;
using Checkpoints.Format;

namespace Checkpoints.Selection;

/// <summary>
/// Where a tensor's selected slice lies in its file: <see cref="Pieces"/> runs of <see cref="PieceBytes"/> bytes,
/// <see cref="Stride"/> apart, the first at <see cref="FileOffset"/>. A whole tensor or a slice of rows is one piece; a
/// slice of the last dimension of a matrix is one piece per row.
/// </summary>
internal sealed class SliceGeometry
{
    /// <summary>A strided slice is gathered through spans of the file of at most this many bytes (one or more rows each).</summary>
    public const long GatherSpanBytes = 64L << 20;

    private SliceGeometry(TensorSlice slice, long[] shape, long fileOffset, long pieceBytes, long stride, long pieces, long readThroughGap)
    {
        GapsAreRead = pieces > 1 && stride - pieceBytes <= readThroughGap;
        Slice = slice;
        Shape = shape;
        FileOffset = fileOffset;
        PieceBytes = pieceBytes;
        Stride = stride;
        Pieces = pieces;
    }

    public TensorSlice Slice { get; }

    /// <summary>The slice's own shape.</summary>
    public long[] Shape { get; }

    /// <summary>Absolute file offset of the first selected byte.</summary>
    public long FileOffset { get; }

    public long PieceBytes { get; }

    public long Stride { get; }

    public long Pieces { get; }

    public long ByteLength => PieceBytes * Pieces;

    /// <summary>
    /// Whether the load reads the gaps between the pieces too (they are narrower than the gap it reads through): then the
    /// pieces are copied out of spans that cover many of them, rather than asked for one by one.
    /// </summary>
    public bool GapsAreRead { get; }

    /// <summary>Whether the slice is one run of bytes (a whole tensor, rows, or an empty slice).</summary>
    public bool IsContiguous => Pieces <= 1;

    /// <summary>
    /// Whether the slice is gathered many rows at a time, through spans of the file that cover them (its gaps are read,
    /// and a row fits <see cref="GatherSpanBytes"/>), rather than asked for row by row.
    /// </summary>
    public bool IsGathered => GapsAreRead && Stride <= GatherSpanBytes;

    /// <summary>
    /// The pieces one gather of the slice's bytes [<paramref name="start"/>, + <paramref name="length"/>) takes: those
    /// it touches, as many as lie within <see cref="GatherSpanBytes"/> of the file (at least one: see <see cref="IsGathered"/>).
    /// </summary>
    public (long First, int Count) PiecesOf(long start, long length)
    {
        var first = start / PieceBytes;
        var needed = ((start % PieceBytes) + length + PieceBytes - 1) / PieceBytes;
        return (first, (int)Math.Min(Math.Min(GatherSpanBytes / Stride, Pieces - first), needed));
    }

    /// <summary>The file's bytes from the start of piece <paramref name="first"/> to the end of <paramref name="count"/> pieces on: the pieces and the gaps between.</summary>
    public ByteRange Covering(long first, long count) => new(FileOffset + (first * Stride), ((count - 1) * Stride) + PieceBytes);

    /// <summary>The slice <paramref name="slice"/> of <paramref name="tensor"/>, whose data starts at <paramref name="fileOffset"/>.</summary>
    /// <param name="tensor">The tensor.</param>
    /// <param name="fileOffset">Where its data starts in its file.</param>
    /// <param name="slice">What is taken of it.</param>
    /// <param name="readThroughGap">The widest gap between selected bytes the load reads rather than skips.</param>
    /// <exception cref="ArgumentException">The slice lies outside the tensor, cuts a scalar, or splits a byte of a sub-byte type.</exception>
    public static SliceGeometry Of(TensorEntry tensor, long fileOffset, TensorSlice slice, long readThroughGap = 0)
    {
        var shape = tensor.Shape;
        if (slice.IsWhole)
        {
            return new SliceGeometry(slice, shape, fileOffset, tensor.ByteLength, tensor.ByteLength, 1, readThroughGap);
        }

        if (shape.Length == 0)
        {
            throw Invalid(tensor, slice, "a scalar cannot be cut");
        }

        var dimension = slice.Dimension == SliceDimension.First || shape.Length == 1 ? 0 : shape.Length - 1;
        var extent = shape[dimension];
        var (start, end) = slice.Bounds(extent);
        if (end > extent)
        {
            throw Invalid(tensor, slice, string.Create(CultureInfo.InvariantCulture, $"it ends at {end}, past the {extent} of dimension {dimension}"));
        }

        var sliced = (long[])shape.Clone();
        sliced[dimension] = end - start;
        var bits = tensor.DType.BitSize();
        // Elements per index of the cut dimension: everything after it.
        var inner = 1L;
        for (var d = dimension + 1; d < shape.Length; d++)
        {
            inner *= shape[d];
        }

        if (start * inner * bits % 8 != 0 || (end - start) * inner * bits % 8 != 0)
        {
            throw Invalid(tensor, slice, $"its edges fall inside a byte of {bits}-bit elements");
        }

        var count = end - start;
        var outer = dimension == 0 ? 1 : tensor.ElementCount / Math.Max(1, extent * inner);
        var pieceBytes = count * inner * bits / 8;
        var stride = extent * inner * bits / 8;
        var first = fileOffset + (start * inner * bits / 8);
        return outer <= 1 || count == 0 || count == extent
            ? new SliceGeometry(slice, sliced, count == 0 ? fileOffset : first, pieceBytes * outer, stride * outer, count == 0 ? 0 : 1, readThroughGap)
            : new SliceGeometry(slice, sliced, first, pieceBytes, stride, outer, readThroughGap);
    }

    /// <summary>The pieces as ranges: one range over all of them when their gaps are read (<see cref="GapsAreRead"/>).</summary>
    public IEnumerable<ByteRange> Ranges()
    {
        if (Pieces == 0 || PieceBytes == 0)
        {
            yield break;
        }

        if (Pieces == 1 || GapsAreRead)
        {
            yield return new ByteRange(FileOffset, ((Pieces - 1) * Stride) + PieceBytes);
            yield break;
        }

        for (long piece = 0; piece < Pieces; piece++)
        {
            yield return new ByteRange(FileOffset + (piece * Stride), PieceBytes);
        }
    }

    private static ArgumentException Invalid(TensorEntry tensor, TensorSlice slice, string why) =>
        new($"Tensor '{tensor.Name}' {tensor.DType.Name()} [{string.Join(", ", tensor.Shape)}] cannot be cut as {slice}: {why}.");
}
