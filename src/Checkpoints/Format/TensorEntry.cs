namespace Checkpoints.Format;

/// <summary>One tensor as a shard's header declares it. Offsets are relative to the start of the data section.</summary>
internal sealed record TensorEntry(string Name, DType DType, long[] Shape, long ElementCount, long DataBegin, long DataEnd)
{
    public long ByteLength => DataEnd - DataBegin;
}
