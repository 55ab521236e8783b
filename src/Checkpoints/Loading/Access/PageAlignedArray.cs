using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Checkpoints.Loading.Access;

/// <summary>
/// A managed array laid out for direct reads of a file range: pinned, with the bytes of the range's first page boundary
/// at an address on a page boundary, so the kernel can read whole aligned pages of the file straight into it. Spans over
/// it keep it alive like any array (the collector never moves a pinned one).
/// </summary>
/// <param name="Array">The array: the range's bytes are at <see cref="DataOffset"/>.</param>
/// <param name="ReadStart">Where the direct reads start in the file: the range's start, down to a page boundary.</param>
/// <param name="ReadEnd">Where they end: the range's end, up to a page boundary (past the end of the file reads stop short).</param>
/// <param name="ReadOffset">Where byte <see cref="ReadStart"/> of the file goes in the array (page-aligned in memory).</param>
/// <param name="DataOffset">Where the range's first byte is in the array.</param>
internal readonly record struct PageAlignedArray(byte[] Array, long ReadStart, long ReadEnd, int ReadOffset, int DataOffset)
{
    /// <summary>The alignment direct I/O asks of addresses, lengths and offsets: the logical block size of any common device.</summary>
    public const int Alignment = 4096;

    /// <summary>
    /// An uninitialized array for the file bytes [<paramref name="start"/>, <paramref name="end"/>): its pages are first
    /// touched by the reads that fill them, on the read threads, rather than zeroed here on one thread.
    /// </summary>
    public static unsafe PageAlignedArray For(long start, long end)
    {
        var readStart = start / Alignment * Alignment;
        var readEnd = (end + Alignment - 1) / Alignment * Alignment;
        var array = GC.AllocateUninitializedArray<byte>(checked((int)(readEnd - readStart + Alignment)), pinned: true);
        var address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        var readOffset = (int)((Alignment - address % Alignment) % Alignment);
        return new PageAlignedArray(array, readStart, readEnd, readOffset, readOffset + (int)(start - readStart));
    }

    /// <summary>The array's memory for the file bytes [<paramref name="at"/>, <paramref name="at"/> + <paramref name="length"/>).</summary>
    public Memory<byte> ReadTarget(long at, int length) => Array.AsMemory(ReadOffset + (int)(at - ReadStart), length);
}
