using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Checkpoints.Loading.Access;

/// <summary>
/// The managed array a segment of a shard is read into: which bytes of the file its reads cover, and where they and the
/// segment's data land in the array. For reads through the page cache that is the segment itself, from the array's start.
/// For direct reads (<see cref="ForDirectReads"/>) it is the segment widened to whole pages, in a pinned array placed so
/// that the file's page boundaries fall on page boundaries in memory: the kernel reads whole aligned pages of the file
/// straight into it. Spans over either keep the array alive like any array (the collector never moves a pinned one).
/// </summary>
/// <param name="Array">The array: the segment's bytes are at <see cref="DataOffset"/>.</param>
/// <param name="ReadStart">Where the reads start in the file.</param>
/// <param name="ReadEnd">Where they end (for direct reads, past the end of the file: the last read stops short).</param>
/// <param name="ReadOffset">Where byte <see cref="ReadStart"/> of the file goes in the array.</param>
/// <param name="DataOffset">Where the segment's first byte is in the array.</param>
internal readonly record struct SegmentArray(byte[] Array, long ReadStart, long ReadEnd, int ReadOffset, int DataOffset)
{
    /// <summary>The alignment direct I/O asks of addresses, lengths and offsets: the logical block size of any common device.</summary>
    public const int DirectAlignment = 4096;

    /// <summary>An uninitialized array for the file bytes [<paramref name="start"/>, <paramref name="end"/>), read as they are.</summary>
    public static SegmentArray ForReads(long start, long end) =>
        new(GC.AllocateUninitializedArray<byte>(checked((int)(end - start))), start, end, ReadOffset: 0, DataOffset: 0);

    /// <summary>
    /// An uninitialized, pinned, page-aligned array for direct reads of the file bytes [<paramref name="start"/>,
    /// <paramref name="end"/>): its pages are first touched by the reads that fill them, on the read threads, rather than
    /// zeroed here on one thread.
    /// </summary>
    public static unsafe SegmentArray ForDirectReads(long start, long end)
    {
        var readStart = start / DirectAlignment * DirectAlignment;
        var readEnd = (end + DirectAlignment - 1) / DirectAlignment * DirectAlignment;
        var array = GC.AllocateUninitializedArray<byte>(checked((int)(readEnd - readStart + DirectAlignment)), pinned: true);
        var address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        var readOffset = (int)((DirectAlignment - address % DirectAlignment) % DirectAlignment);
        return new SegmentArray(array, readStart, readEnd, readOffset, readOffset + (int)(start - readStart));
    }

    /// <summary>The array's memory for the file bytes [<paramref name="at"/>, <paramref name="at"/> + <paramref name="length"/>).</summary>
    public Memory<byte> ReadTarget(long at, int length) => Array.AsMemory(ReadOffset + (int)(at - ReadStart), length);
}
