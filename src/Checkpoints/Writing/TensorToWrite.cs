using Checkpoints.Format;


namespace Checkpoints.Writing;

/// <summary>
/// A tensor to be written: its description, and a callback that streams exactly <see cref="ByteLength"/> bytes
/// of data, so that writing never needs the whole checkpoint in memory.
/// </summary>
public sealed class TensorToWrite
{
    /// <summary>A tensor whose data <paramref name="writeData"/> streams.</summary>
    /// <param name="name">Its name in the checkpoint.</param>
    /// <param name="dtype">The element type.</param>
    /// <param name="shape">The dimensions, outermost first.</param>
    /// <param name="writeData">Writes exactly the tensor's bytes to the stream it is given; more or fewer is an error.</param>
    public TensorToWrite(string name, DType dtype, IReadOnlyList<long> shape, Action<Stream> writeData)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(writeData);
        if (name == SafetensorsLayout.MetadataKey)
        {
            throw new ArgumentException($"'{SafetensorsLayout.MetadataKey}' is reserved for the header's metadata and cannot name a tensor.", nameof(name));
        }

        Name = name;
        DType = dtype;
        Shape = [.. shape];
        ElementCount = CountElements(name, Shape);
        ByteLength = ComputeByteLength(name, dtype, ElementCount);
        WriteData = writeData;
    }

    /// <summary>The tensor's name in the checkpoint.</summary>
    public string Name { get; }

    /// <summary>The element type.</summary>
    public DType DType { get; }

    /// <summary>The dimensions, outermost first.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>The number of elements.</summary>
    public long ElementCount { get; }

    /// <summary>The size of its data in bytes.</summary>
    public long ByteLength { get; }

    /// <summary>Writes the tensor's bytes, little-endian, in row-major order.</summary>
    public Action<Stream> WriteData { get; }

    /// <summary>A tensor whose bytes are already in memory.</summary>
    public static TensorToWrite FromBytes(string name, DType dtype, IReadOnlyList<long> shape, ReadOnlyMemory<byte> data) =>
        new(name, dtype, shape, stream => stream.Write(data.Span));

    private static long CountElements(string name, IReadOnlyList<long> shape)
    {
        long count = 1;
        foreach (var dimension in shape)
        {
            if (dimension < 0)
            {
                throw new ArgumentException($"Tensor '{name}' has a negative dimension in its shape [{string.Join(", ", shape)}].", nameof(shape));
            }

            try
            {
                count = checked(count * dimension);
            }
            catch (OverflowException exception)
            {
                throw new ArgumentException($"Tensor '{name}' has shape [{string.Join(", ", shape)}] whose element count overflows.", nameof(shape), exception);
            }
        }

        return count;
    }

    private static long ComputeByteLength(string name, DType dtype, long elements)
    {
        var bits = (UInt128)(ulong)elements * (uint)dtype.BitSize();
        if (bits % 8 != 0)
        {
            throw new ArgumentException($"Tensor '{name}' of {elements} {dtype.Name()} elements is {bits} bits, not a whole number of bytes.", nameof(dtype));
        }

        return bits / 8 <= long.MaxValue
            ? (long)(bits / 8)
            : throw new ArgumentException($"Tensor '{name}' is larger than a file can be.", nameof(dtype));
    }
}
