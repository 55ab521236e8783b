using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Checkpoints.Format;
using Checkpoints.Loading.Session;
using Checkpoints.Selection;
using Checkpoints.Units;

namespace Checkpoints;

/// <summary>
/// One tensor of an open <see cref="Checkpoint"/>: its name, dtype, shape and bytes. The bytes are a view of the
/// checkpoint's storage (a memory map, or memory the loader owns), valid until the checkpoint is disposed.
/// </summary>
public sealed class Tensor
{
    /// <summary>Copies and conversions go through spans of at most this many bytes (a multiple of every element size).</summary>
    private const int SliceBytes = 1 << 30;

    private readonly IShardBytes _bytes;
    private readonly long[] _shape;
    private readonly SliceGeometry? _selected;

    internal Tensor(IShardBytes bytes, int shardIndex, string shardPath, TensorEntry entry, long fileOffset, SliceGeometry? selected)
    {
        _bytes = bytes;
        _selected = selected;
        ShardIndex = shardIndex;
        ShardPath = shardPath;
        Name = entry.Name;
        DType = entry.DType;
        _shape = entry.Shape;
        ElementCount = entry.ElementCount;
        ByteLength = entry.ByteLength;
        FileOffset = fileOffset;
    }

    /// <summary>The tensor's name in the checkpoint.</summary>
    public string Name { get; }

    /// <summary>The element type.</summary>
    public DType DType { get; }

    /// <summary>The dimensions, outermost first; empty for a scalar.</summary>
    public IReadOnlyList<long> Shape => _shape;

    /// <summary>The number of elements: the product of the shape (1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>The size of its data in bytes.</summary>
    public long ByteLength { get; }

    /// <summary>The shard file that holds the tensor.</summary>
    public string ShardPath { get; }

    /// <summary>Position of the shard in <see cref="Checkpoint.Shards"/>.</summary>
    public int ShardIndex { get; }

    /// <summary>Absolute offset of the tensor's first byte in <see cref="ShardPath"/>.</summary>
    public long FileOffset { get; }

    /// <summary>Whether the load's <see cref="Loading.Planning.LoadOptions.Selection"/> takes this tensor, whole or a slice of it; the others are never read.</summary>
    public bool IsSelected => _selected is not null;

    /// <summary>The slice selected: <see cref="TensorSlice.Whole"/> unless the selection cuts this tensor; null when it is not selected.</summary>
    public TensorSlice? Slice => _selected?.Slice;

    /// <summary>The shape of the selected slice (<see cref="Shape"/> for a whole tensor).</summary>
    /// <exception cref="InvalidOperationException">The tensor is not selected.</exception>
    public IReadOnlyList<long> SelectedShape => Selected().Shape;

    /// <summary>Bytes of the selected slice (<see cref="ByteLength"/> for a whole tensor); 0 when the tensor is not selected.</summary>
    public long SelectedByteLength => _selected?.ByteLength ?? 0;

    /// <summary>
    /// Whether the selected slice is one run of bytes in the file (a whole tensor, or rows): then <see cref="SelectedBytes"/>
    /// hands it out without a copy. A slice of the last dimension is one run per row: <see cref="CopySelectedTo"/> gathers it.
    /// </summary>
    public bool IsSelectedContiguous => _selected?.IsContiguous ?? false;

    /// <summary>The bytes of the selected slice, without copying, when it is contiguous and under 2 GiB.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not selected, or its slice is strided or too large for a span.</exception>
    public ReadOnlySpan<byte> SelectedBytes
    {
        get
        {
            var selected = Selected();
            if (selected.IsContiguous && selected.ByteLength > Array.MaxLength)
            {
                throw new InvalidOperationException($"The slice of tensor '{Name}' is {Invariant.N(selected.ByteLength)} bytes, more than one span can hold; read it in parts with GetSelectedBytes(start, length).");
            }

            return GetSelectedBytes(0, (int)selected.ByteLength);
        }
    }

    /// <summary>The bytes [<paramref name="start"/>, start + length) of a contiguous selected slice, without copying.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not selected, or its slice is strided (see <see cref="IsSelectedContiguous"/>).</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range lies outside the slice.</exception>
    public ReadOnlySpan<byte> GetSelectedBytes(long start, int length)
    {
        var selected = Selected();
        if (!selected.IsContiguous)
        {
            throw new InvalidOperationException($"Tensor '{Name}' is cut along its last dimension ({selected.Slice}): its slice is one run per row; copy it out with CopySelectedTo.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (start > selected.ByteLength - length)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"[{start}, {start + length}) is outside the slice of tensor '{Name}' ({selected.ByteLength} bytes).");
        }

        return length == 0 ? [] : _bytes.GetSpan(ShardIndex, selected.FileOffset + start, length);
    }

    /// <summary>
    /// Copies the selected slice's bytes from <paramref name="start"/> (in the slice's own row-major order) into
    /// <paramref name="destination"/>, as many as it holds: a strided slice is gathered here, in one copy. As
    /// <see cref="CopyBytesTo"/>, the bytes come from the page cache or straight from the storage.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tensor is not selected.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range lies outside the slice.</exception>
    /// <exception cref="IOException">A read failed or stalled, or the shard changed (the message names the file).</exception>
    public void CopySelectedTo(long start, Span<byte> destination)
    {
        var selected = Selected();
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        if (start > selected.ByteLength - destination.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(destination), $"[{start}, {start + destination.Length}) is outside the slice of tensor '{Name}' ({selected.ByteLength} bytes).");
        }

        while (!destination.IsEmpty)
        {
            // Pieces whose gaps the load reads anyway are gathered many rows at a time; wide apart, each is asked for alone.
            var copied = selected.IsGathered
                ? _bytes.Gather(ShardIndex, selected, start, destination)
                : CopyPiece(selected, start, destination);
            destination = destination[copied..];
            start += copied;
        }
    }

    /// <summary>The piece that holds the slice's byte <paramref name="start"/>, from there (or what the destination holds of it), asked for by itself; returns the bytes copied.</summary>
    private int CopyPiece(SliceGeometry selected, long start, Span<byte> destination)
    {
        var piece = start / selected.PieceBytes;
        var within = start % selected.PieceBytes;
        var count = (int)Math.Min(destination.Length, selected.PieceBytes - within);
        _bytes.CopyTo(ShardIndex, selected.FileOffset + (piece * selected.Stride) + within, destination[..count]);
        return count;
    }

    /// <summary>A copy of the selected slice's elements as <typeparamref name="T"/>, which must have the dtype's element size.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not selected, or <typeparamref name="T"/> has another size.</exception>
    public T[] SelectedToArray<T>()
        where T : unmanaged
    {
        var selected = Selected();
        RequireElementSize<T>();
        var result = new T[CheckedArrayLength(selected.ByteLength / Unsafe.SizeOf<T>())];
        var bytes = MemoryMarshal.AsBytes(result.AsSpan());
        CopySelectedTo(0, bytes);
        return result;
    }

    /// <summary>
    /// All bytes of the tensor, without copying. Tensors over 2 GiB do not fit one span: read them in parts with
    /// <see cref="GetBytes(long, int)"/>.
    /// </summary>
    public ReadOnlySpan<byte> Bytes
    {
        get
        {
            if (ByteLength > Array.MaxLength)
            {
                throw new InvalidOperationException(
                    $"Tensor '{Name}' is {Invariant.N(ByteLength)} bytes, more than one span can hold; read it in parts with GetBytes(start, length).");
            }

            return GetBytes(0, (int)ByteLength);
        }
    }

    /// <summary>The bytes [<paramref name="start"/>, start + length) of the tensor, without copying.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not selected whole.</exception>
    public ReadOnlySpan<byte> GetBytes(long start, int length)
    {
        RequireWhole();
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (start > ByteLength - length)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"[{start}, {start + length}) is outside tensor '{Name}' ({ByteLength} bytes).");
        }

        return _bytes.GetSpan(ShardIndex, FileOffset + start, length);
    }

    /// <summary>
    /// Copies the bytes from <paramref name="start"/> into <paramref name="destination"/> (as many as it holds): the way
    /// to fill memory of your own, such as a framework's tensor. It is one copy, from the page cache or straight from the
    /// storage: with <see cref="Loading.Planning.LoadOptions.ConsumerCopies"/>, cold shards on local disks are read past the page cache
    /// (<see cref="Loading.Planning.ShardAccess.Direct"/>), and mapped bytes copied out do not stay in this process's resident memory.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range lies outside the tensor.</exception>
    /// <exception cref="IOException">A read failed or stalled, or the shard changed (the message names the file).</exception>
    /// <exception cref="InvalidOperationException">The tensor is not selected whole.</exception>
    public void CopyBytesTo(long start, Span<byte> destination)
    {
        RequireWhole();
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        if (start > ByteLength - destination.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(destination), $"[{start}, {start + destination.Length}) is outside tensor '{Name}' ({ByteLength} bytes).");
        }

        _bytes.CopyTo(ShardIndex, FileOffset + start, destination);
    }

    /// <summary>
    /// The elements as <typeparamref name="T"/> without copying, when <typeparamref name="T"/> has the dtype's
    /// element size and the data is aligned for it (writers that do not pad their header leave data misaligned).
    /// Returns false otherwise; <see cref="ToArray{T}"/> always works.
    /// </summary>
    public bool TryGetSpan<T>(out ReadOnlySpan<T> elements)
        where T : unmanaged
    {
        elements = default;
        if (!HasElementSize<T>() || ByteLength > Array.MaxLength)
        {
            return false;
        }

        if (!_bytes.IsAligned(ShardIndex, FileOffset, Unsafe.SizeOf<T>()))
        {
            return false;
        }

        elements = MemoryMarshal.Cast<byte, T>(Bytes);
        return true;
    }

    /// <summary>A copy of the elements as <typeparamref name="T"/>, which must have the dtype's element size.</summary>
    public T[] ToArray<T>()
        where T : unmanaged
    {
        RequireElementSize<T>();
        var size = Unsafe.SizeOf<T>();
        var result = new T[CheckedArrayLength(ByteLength / size)];
        for (long element = 0; element < result.Length; element += SliceBytes / size)
        {
            // Slices keep each span under 2 GiB, so tensors larger than that copy too.
            var count = (int)Math.Min(SliceBytes / size, result.Length - element);
            GetBytes(element * size, count * size).CopyTo(MemoryMarshal.AsBytes(result.AsSpan((int)element, count)));
        }

        return result;
    }

    /// <summary>The elements widened to <see cref="float"/>: F32, F16, BF16, F8_E4M3 and F8_E5M2.</summary>
    public float[] ToSingleArray()
    {
        var result = new float[CheckedArrayLength(ElementCount)];
        CopyToSingle(result);
        return result;
    }

    /// <inheritdoc cref="ToSingleArray"/>
    public void CopyToSingle(Span<float> destination)
    {
        if (!FloatConversion.CanConvert(DType))
        {
            throw new NotSupportedException($"Tensor '{Name}' is {DType.Name()}, which has no conversion to float; read its bytes instead.");
        }

        if (destination.Length < ElementCount)
        {
            throw new ArgumentException($"The destination holds {destination.Length} elements; tensor '{Name}' has {ElementCount}.", nameof(destination));
        }

        var size = DType.ByteSize();
        for (long element = 0; element < ElementCount; element += SliceBytes / size)
        {
            var count = (int)Math.Min(SliceBytes / size, ElementCount - element);
            FloatConversion.ToSingle(DType, GetBytes(element * size, count * size), destination.Slice((int)element, count));
        }
    }

    /// <summary>The name, dtype and shape: <c>model.norm.weight BF16 [4096]</c>.</summary>
    public override string ToString() => $"{Name} {DType.Name()} [{string.Join(", ", _shape)}]";

    private void RequireElementSize<T>()
        where T : unmanaged
    {
        if (!HasElementSize<T>())
        {
            throw new InvalidOperationException(
                $"Tensor '{Name}' is {DType.Name()} ({DType.BitSize()} bits per element); {typeof(T).Name} is {Unsafe.SizeOf<T>() * 8} bits.");
        }
    }

    /// <summary>The selected slice; a tensor outside the selection is never read.</summary>
    private SliceGeometry Selected() => _selected
        ?? throw new InvalidOperationException($"Tensor '{Name}' is outside the load's selection, so it is not read; add it to LoadOptions.Selection.");

    /// <summary>The whole tensor's bytes may be read only when the whole tensor is selected.</summary>
    private void RequireWhole()
    {
        if (!Selected().Slice.IsWhole)
        {
            throw new InvalidOperationException($"Only a slice of tensor '{Name}' is selected ({_selected!.Slice}); read it with SelectedBytes, CopySelectedTo or SelectedToArray.");
        }
    }

    private bool HasElementSize<T>()
        where T : unmanaged => DType.ByteSize() == Unsafe.SizeOf<T>() || typeof(T) == typeof(byte);

    private int CheckedArrayLength(long elements) => elements <= Array.MaxLength
        ? (int)elements
        : throw new InvalidOperationException($"Tensor '{Name}' has {Invariant.N(elements)} elements, more than one array can hold; read it in parts with GetBytes(start, length).");
}
