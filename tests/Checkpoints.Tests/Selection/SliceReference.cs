using Checkpoints.Selection;

namespace Checkpoints.Tests.Selection;

/// <summary>A slice cut out of a whole tensor's bytes element by element: what a selective load must hand out.</summary>
internal static class SliceReference
{
    public static byte[] Cut(byte[] whole, IReadOnlyList<long> shape, int elementBytes, TensorSlice slice)
    {
        if (slice.IsWhole)
        {
            return whole;
        }

        var dimension = slice.Dimension == SliceDimension.First || shape.Count == 1 ? 0 : shape.Count - 1;
        var extent = shape[dimension];
        var (start, end) = slice.Bounds(extent);
        var inner = shape.Skip(dimension + 1).Aggregate(1L, static (a, b) => a * b);
        var outer = shape.Take(dimension).Aggregate(1L, static (a, b) => a * b);
        var result = new List<byte>();
        for (long o = 0; o < outer; o++)
        {
            for (var index = start; index < end; index++)
            {
                for (long i = 0; i < inner; i++)
                {
                    var element = (((o * extent) + index) * inner) + i;
                    result.AddRange(whole.AsSpan((int)(element * elementBytes), elementBytes).ToArray());
                }
            }
        }

        return [.. result];
    }
}
