namespace Checkpoints.Selection;

/// <summary>The dimension a tensor is cut along.</summary>
public enum SliceDimension
{
    /// <summary>Dimension 0, the rows: a slice is one contiguous range of the tensor's bytes.</summary>
    First,

    /// <summary>
    /// The last dimension, the columns: in row-major data a slice is one range per row (a strided set of ranges), as the
    /// input dimension of a row-parallel layer's weight is.
    /// </summary>
    Last,
}
