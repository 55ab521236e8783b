using Checkpoints.Selection;

namespace Checkpoints.Loading.Access;

/// <summary>
/// Where a shard's bytes are served from once it is opened for reading: a memory map of the file, or
/// memory the loader owns. Tensors ask it for spans by absolute file offset.
/// </summary>
internal abstract class ShardData : IDisposable
{
    public abstract long Length { get; }

    /// <summary>The bytes [<paramref name="offset"/>, offset + length) of the file. Bounds are the caller's duty.</summary>
    public abstract ReadOnlySpan<byte> GetSpan(long offset, int length);

    /// <summary>
    /// Copies the bytes [<paramref name="offset"/>, + destination's length) of the file into <paramref name="destination"/>.
    /// Bounds are the caller's duty.
    /// </summary>
    public virtual void CopyTo(long offset, Span<byte> destination) => GetSpan(offset, destination.Length).CopyTo(destination);

    /// <summary>
    /// Copies the bytes of <paramref name="slice"/> (a slice gathered many rows at a time: <see cref="SliceGeometry.IsGathered"/>)
    /// from its byte <paramref name="start"/>, in its own row-major order, into <paramref name="destination"/>: the pieces
    /// of one gather span (<see cref="SliceGeometry.PiecesOf"/>). Returns the bytes copied.
    /// By default the pieces are copied out of one span that covers them: one request for many rows, not one per row.
    /// </summary>
    public virtual int Gather(SliceGeometry slice, long start, Span<byte> destination)
    {
        var (first, count) = slice.PiecesOf(start, destination.Length);
        var covered = slice.Covering(first, count);
        var span = GetSpan(covered.Start, (int)covered.Length);
        var within = start % slice.PieceBytes;
        var copied = 0;
        for (var i = 0; i < count && copied < destination.Length; i++)
        {
            var from = (i * slice.Stride) + (i == 0 ? within : 0);
            var length = (int)Math.Min(destination.Length - copied, slice.PieceBytes - (i == 0 ? within : 0));
            span.Slice((int)from, length).CopyTo(destination[copied..]);
            copied += length;
        }

        return copied;
    }

    /// <summary>Whether the byte at <paramref name="offset"/> sits at an address that is a multiple of <paramref name="alignment"/>.</summary>
    public abstract bool IsAligned(long offset, int alignment);

    /// <summary>
    /// Gives the memory of [<paramref name="offset"/>, + <paramref name="length"/>) back, as a hint: the bytes stay readable.
    /// Used behind a consumer that has moved on, when the checkpoint does not fit the memory budget.
    /// </summary>
    public virtual void ReleaseBehind(long offset, long length)
    {
    }

    /// <summary>
    /// The consumer has moved to another shard: let go of what can be had again if it comes back (an open file handle,
    /// data read into memory), so thousands of shards never hold thousands of descriptors or buffers.
    /// </summary>
    public virtual void Park()
    {
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected abstract void Dispose(bool disposing);
}
