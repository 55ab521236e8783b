using System.Diagnostics;
using Checkpoints.Format;
using Microsoft.Extensions.Logging;

namespace Checkpoints.Loading;

/// <summary>
/// A shard read into memory the process owns, with large parallel reads. The memory is managed arrays, so a
/// span handed out keeps its array alive: releasing the shard can never leave a reader on freed memory.
/// Arrays follow tensor boundaries (a tensor never straddles two, unless it is larger than one array may be).
/// </summary>
internal sealed class EagerShardData : ShardData
{
    /// <summary>Small tensors are grouped into arrays of about this size.</summary>
    private const long GroupBytes = 256L << 20;

    /// <summary>A tensor larger than an array may be is cut into arrays of this size (page-aligned), from its start.</summary>
    private static readonly long ChunkBytes = Array.MaxLength & ~4095L;

    private readonly Segment[] _segments;

    private EagerShardData(long length, Segment[] segments)
    {
        Length = length;
        _segments = segments;
    }

    public override long Length { get; }

    /// <summary>Reads the data section of <paramref name="header"/>'s file with <paramref name="threads"/> parallel readers.</summary>
    /// <exception cref="IOException">A read failed, or the file is shorter than when it was opened.</exception>
    public static EagerShardData Load(ShardHeader header, int threads, int blockSize, ILogger logger, CancellationToken cancellationToken) =>
        Load(header, threads, blockSize, logger, GroupBytes, ChunkBytes, cancellationToken);

    /// <summary>As <see cref="Load(ShardHeader, int, int, ILogger, CancellationToken)"/>, with the array sizes given (tests use small ones).</summary>
    internal static EagerShardData Load(ShardHeader header, int threads, int blockSize, ILogger logger, long groupBytes, long chunkBytes, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var segments = Plan(header, groupBytes, chunkBytes);
        using var handle = File.OpenHandle(header.FilePath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        var length = RandomAccess.GetLength(handle);
        if (length != header.FileLength)
        {
            throw ShardChanged.Length(header.FilePath, header.FileLength, length);
        }

        var reads = segments.SelectMany(segment => Blocks(segment, blockSize)).ToArray();
        try
        {
            Parallel.ForEach(reads, new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken },
                read => Fill(handle, header, read));
        }
        catch (AggregateException aggregate) when (aggregate.Flatten().InnerExceptions is [var first, ..])
        {
            // Callers catch IOException; a wrapper around it would reach the user as a stack trace.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
            throw;
        }
        var bytes = segments.Sum(static segment => segment.End - segment.Start);
        LoadLog.EagerRead(logger, header.FilePath, bytes, stopwatch.Elapsed.TotalSeconds, threads);
        return new EagerShardData(header.FileLength, segments);
    }

    public override ReadOnlySpan<byte> GetSpan(long offset, int length)
    {
        var index = Find(offset);
        var segment = _segments[index];
        if (offset + length <= segment.End)
        {
            return segment.Data.AsSpan((int)(offset - segment.Start), length);
        }

        // Only a range across two chunks of a tensor over 2 GiB gets here: copy it together.
        var copy = GC.AllocateUninitializedArray<byte>(length);
        for (var done = 0; done < length; index++)
        {
            segment = _segments[index];
            var from = (int)(offset + done - segment.Start);
            var count = (int)Math.Min(length - done, segment.End - (offset + done));
            segment.Data.AsSpan(from, count).CopyTo(copy.AsSpan(done));
            done += count;
        }

        return copy;
    }

    /// <summary>Array data is 8-byte aligned on 64-bit runtimes, and every array starts at a tensor boundary.</summary>
    public override bool IsAligned(long offset, int alignment)
    {
        var segment = _segments[Find(offset)];
        return alignment <= 8 && (offset - segment.Start) % alignment == 0;
    }

    protected override void Dispose(bool disposing)
    {
        // Managed memory: the collector frees each array once no span refers to it.
    }

    private int Find(long offset)
    {
        int low = 0, high = _segments.Length - 1;
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (_segments[middle].Start <= offset)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        return low;
    }

    private static Segment[] Plan(ShardHeader header, long groupBytes, long chunkBytes)
    {
        var segments = new List<Segment>();
        long groupStart = header.DataStart;
        long groupEnd = groupStart;
        foreach (var tensor in header.Tensors)
        {
            var start = header.DataStart + tensor.DataBegin;
            var end = header.DataStart + tensor.DataEnd;
            if (end - groupStart > groupBytes && groupEnd > groupStart)
            {
                segments.Add(Segment.Allocate(groupStart, groupEnd));
                groupStart = start;
            }

            if (end - start > groupBytes)
            {
                for (var chunk = start; chunk < end; chunk += chunkBytes)
                {
                    segments.Add(Segment.Allocate(chunk, Math.Min(end, chunk + chunkBytes)));
                }

                groupStart = end;
            }

            groupEnd = end;
        }

        if (groupEnd > groupStart || segments.Count == 0)
        {
            segments.Add(Segment.Allocate(groupStart, groupEnd));
        }

        return [.. segments];
    }

    private static IEnumerable<(Segment Segment, long Start, int Length)> Blocks(Segment segment, int blockSize)
    {
        for (var start = segment.Start; start < segment.End; start += blockSize)
        {
            yield return (segment, start, (int)Math.Min(blockSize, segment.End - start));
        }
    }

    private static void Fill(Microsoft.Win32.SafeHandles.SafeFileHandle handle, ShardHeader header, (Segment Segment, long Start, int Length) read)
    {
        var destination = read.Segment.Data.AsSpan((int)(read.Start - read.Segment.Start), read.Length);
        var done = PositionalRead.ReadFully(handle, header.FilePath, destination, read.Start, "the data");
        if (done < destination.Length)
        {
            throw ShardChanged.Length(header.FilePath, header.FileLength, read.Start + done);
        }
    }

    private sealed record Segment(long Start, long End, byte[] Data)
    {
        public static Segment Allocate(long start, long end) => new(start, end, GC.AllocateUninitializedArray<byte>((int)(end - start)));
    }
}
