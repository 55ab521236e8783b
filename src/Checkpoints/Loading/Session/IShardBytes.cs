using Checkpoints.Selection;

namespace Checkpoints.Loading.Session;

/// <summary>How a tensor reaches its bytes: by shard and file offset, through whatever the plan opened for that shard.</summary>
internal interface IShardBytes
{
    /// <summary>The bytes [<paramref name="fileOffset"/>, + <paramref name="length"/>) of shard <paramref name="shard"/>, without copying.</summary>
    /// <exception cref="ObjectDisposedException">The checkpoint was disposed.</exception>
    ReadOnlySpan<byte> GetSpan(int shard, long fileOffset, int length);

    /// <summary>Copies the bytes from <paramref name="fileOffset"/> of shard <paramref name="shard"/> into <paramref name="destination"/>.</summary>
    /// <exception cref="ObjectDisposedException">The checkpoint was disposed.</exception>
    void CopyTo(int shard, long fileOffset, Span<byte> destination);

    /// <summary>
    /// Copies the strided slice <paramref name="slice"/> of shard <paramref name="shard"/> from its byte
    /// <paramref name="start"/> into <paramref name="destination"/>, as far as one gather goes (<see cref="SliceGeometry.PiecesOf"/>); returns the bytes copied.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The checkpoint was disposed.</exception>
    int Gather(int shard, SliceGeometry slice, long start, Span<byte> destination);

    /// <summary>Whether the byte at <paramref name="fileOffset"/> of shard <paramref name="shard"/> sits at a multiple of <paramref name="alignment"/> in memory.</summary>
    bool IsAligned(int shard, long fileOffset, int alignment);
}
