namespace Checkpoints.TorchSharp.Conversion;

/// <summary>
/// Turns whole elements of the checkpoint's dtype (<paramref name="source"/>, raw little-endian bytes) into elements
/// of the destination's type (<paramref name="destination"/>, sized for the same element count).
/// </summary>
internal delegate void ElementKernel(ReadOnlySpan<byte> source, Span<byte> destination);
