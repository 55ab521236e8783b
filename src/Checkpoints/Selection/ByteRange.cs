namespace Checkpoints.Selection;

/// <summary>The bytes [<see cref="Start"/>, <see cref="End"/>) of a file.</summary>
internal readonly record struct ByteRange(long Start, long Length)
{
    public long End => Start + Length;

    public override string ToString() => $"[{Start}, {End})";
}
