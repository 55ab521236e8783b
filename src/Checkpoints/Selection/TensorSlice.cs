using System.Globalization;

namespace Checkpoints.Selection;

/// <summary>
/// How much of one tensor a process needs: all of it, a range of rows or columns, or one part of N along the first or
/// last dimension (a tensor-parallel rank's share).
/// </summary>
public sealed record TensorSlice
{
    private TensorSlice(SliceDimension dimension, long start, long count, int part, int parts)
    {
        Dimension = dimension;
        Start = start;
        Count = count;
        Part = part;
        Parts = parts;
    }

    /// <summary>The whole tensor (what a replicated tensor, such as a norm's weight, is on every rank).</summary>
    public static TensorSlice Whole { get; } = new(SliceDimension.First, 0, -1, 0, 1);

    /// <summary>The dimension cut; meaningless for <see cref="Whole"/>.</summary>
    public SliceDimension Dimension { get; }

    /// <summary>The first index taken along <see cref="Dimension"/>, for a range; 0 for a part.</summary>
    public long Start { get; }

    /// <summary>How many indices a range takes; -1 for <see cref="Whole"/> and for a part.</summary>
    public long Count { get; }

    /// <summary>Which part of <see cref="Parts"/>, for a part.</summary>
    public int Part { get; }

    /// <summary>Into how many parts the dimension is cut; 1 for <see cref="Whole"/> and for a range.</summary>
    public int Parts { get; }

    /// <summary>Whether this is the whole tensor.</summary>
    public bool IsWhole => ReferenceEquals(this, Whole) || (Parts == 1 && Count < 0);

    /// <summary>Rows [<paramref name="start"/>, start + count) of dimension 0.</summary>
    public static TensorSlice Rows(long start, long count) => Range(SliceDimension.First, start, count);

    /// <summary>Columns [<paramref name="start"/>, start + count) of the last dimension.</summary>
    public static TensorSlice Columns(long start, long count) => Range(SliceDimension.Last, start, count);

    /// <summary>
    /// Part <paramref name="part"/> of <paramref name="parts"/> along <paramref name="dimension"/>, cut as <c>torch.chunk</c>
    /// cuts: each part has ceil(D / parts) indices, the last ones fewer (or none when D is smaller than the parts). With D a
    /// multiple of the parts, as tensor-parallel layers require, every part is D / parts.
    /// </summary>
    public static TensorSlice Split(SliceDimension dimension, int part, int parts)
    {
        if (parts < 1 || part < 0 || part >= parts)
        {
            throw new ArgumentException($"A split needs 0 <= part < parts: part {part} of {parts}.");
        }

        return parts == 1 ? Whole : new TensorSlice(dimension, 0, -1, part, parts);
    }

    /// <summary>The range [start, end) of the cut dimension this slice takes when that dimension has <paramref name="extent"/> indices.</summary>
    internal (long Start, long End) Bounds(long extent)
    {
        if (IsWhole)
        {
            return (0, extent);
        }

        if (Parts > 1)
        {
            var chunk = (extent + Parts - 1) / Parts;
            return (Math.Min(extent, chunk * Part), Math.Min(extent, chunk * (Part + 1)));
        }

        return (Start, Start + Count);
    }

    /// <summary><c>whole</c>, <c>rows [0, 1024)</c>, <c>part 1/4 of the last dimension</c>.</summary>
    public override string ToString()
    {
        var dimension = Dimension == SliceDimension.First ? "the first dimension" : "the last dimension";
        return IsWhole ? "whole"
            : Parts > 1 ? string.Create(CultureInfo.InvariantCulture, $"part {Part}/{Parts} of {dimension}")
            : string.Create(CultureInfo.InvariantCulture, $"{(Dimension == SliceDimension.First ? "rows" : "columns")} [{Start}, {Start + Count})");
    }

    private static TensorSlice Range(SliceDimension dimension, long start, long count)
    {
        if (start < 0 || count < 0)
        {
            throw new ArgumentException($"A slice needs a start and a count of at least 0: start {start}, count {count}.");
        }

        return new TensorSlice(dimension, start, count, 0, 1);
    }
}
