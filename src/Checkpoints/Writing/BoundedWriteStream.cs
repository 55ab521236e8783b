namespace Checkpoints.Writing;

/// <summary>
/// Passes a tensor's bytes through to the file and refuses more than the tensor's declared length, so a
/// faulty data callback cannot corrupt the offsets of the tensors after it. Every write checks the token: a
/// tensor can be gigabytes, and a cancellation seen only between tensors left the writer going for seconds.
/// </summary>
internal sealed class BoundedWriteStream(Stream inner, string tensorName, long length, CancellationToken cancellationToken = default) : Stream
{
    public long Written { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => length;

    public override long Position
    {
        get => Written;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (buffer.Length > length - Written)
        {
            throw new InvalidOperationException(
                $"The data callback of tensor '{tensorName}' wrote more than the {length} bytes its dtype and shape declare.");
        }

        inner.Write(buffer);
        Written += buffer.Length;
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Throws when the callback wrote fewer bytes than declared.</summary>
    public void EnsureComplete()
    {
        if (Written != length)
        {
            throw new InvalidOperationException(
                $"The data callback of tensor '{tensorName}' wrote {Written} bytes; its dtype and shape declare {length}.");
        }
    }
}
