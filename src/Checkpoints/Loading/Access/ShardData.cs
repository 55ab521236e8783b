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
