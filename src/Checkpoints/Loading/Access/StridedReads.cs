using System.Buffers;
using System.Runtime.InteropServices;
using Checkpoints.Files;
using Checkpoints.Interop;
using Checkpoints.Loading.Reading;
using Checkpoints.Selection;
using Checkpoints.Units;
using Microsoft.Win32.SafeHandles;

namespace Checkpoints.Loading.Access;

/// <summary>
/// Gathers a strided slice (one run per row, such as a tensor-parallel rank's columns) of a mapped shard with vectored
/// reads of the file, rather than through the map: mapping the span that covers the pieces costs a page-table entry for
/// every page of it, gaps included, and unmapping it as much again. Where four ranks each take a quarter of every row,
/// each would map all of the row-parallel weights to copy out its quarter. The gaps go into a scratch buffer no one
/// reads: one call serves hundreds of rows.
/// </summary>
/// <remarks>
/// The reads run on the read pool under the timeout, into buffers of their own that are copied out once they are done
/// (a wait that gives up must not leave a read writing into the caller's memory), and the file is checked unchanged
/// afterwards, as a populated map checks it before handing out bytes. A read that ends early (the file was cut short)
/// is an <see cref="IOException"/>, never SIGBUS.
/// </remarks>
internal sealed unsafe class StridedReads : IDisposable
{
    private readonly string _path;
    private readonly FileIdentity _opened;
    private readonly ReadSettings _settings;
    private readonly Lock _lock = new();
    private SafeFileHandle? _handle;
    private int _disposed;

    public StridedReads(string path, FileIdentity opened, ReadSettings settings)
    {
        _path = path;
        _opened = opened;
        _settings = settings;
    }

    /// <summary>As <see cref="ShardData.Gather"/>: the pieces within one gather span, copied from <paramref name="start"/> on.</summary>
    /// <exception cref="IOException">A read or the open failed or stalled, the file ended early, or it changed.</exception>
    /// <exception cref="ObjectDisposedException">The checkpoint was disposed while this waited.</exception>
    public int Gather(SliceGeometry slice, long start, Span<byte> destination)
    {
        var (first, count) = slice.PiecesOf(start, destination.Length);
        var covered = slice.Covering(first, count);
        var parts = _settings.Wait(_path, $"{Invariant.N(covered.Length)} bytes at byte {Invariant.N(covered.Start)} were being read", abandon =>
        {
            var handle = AcquireHandle(covered.Start, abandon);
            try
            {
                var jobs = Split(slice, first, count)
                    .Select(part => _settings.Pool.Run(Describe(slice, part), slice.Covering(part.First, part.Count).Start, () => Read(handle, slice, part), abandon.Token))
                    .ToList();
                ReadPool.WaitAll(jobs, _settings.Timeout, abandon, _settings.CancellationToken);

                // Bytes read while the file was being rewritten are not handed out.
                var check = _settings.Pool.Run($"{_path}: checking it is unchanged after reading {Invariant.N(covered.Length)} bytes at byte {Invariant.N(covered.Start)}",
                    covered.Start, CheckUnchanged, abandon.Token);
                ReadPool.WaitAll([check], _settings.Timeout, abandon, _settings.CancellationToken);
                return jobs.Select(static job => job.Task.Result).ToList();
            }
            finally
            {
                handle.DangerousRelease();
            }
        });

        // The parts hold whole pieces in the slice's own order, from the start of piece `first`.
        var skip = start % slice.PieceBytes;
        var copied = 0;
        foreach (var part in parts)
        {
            var bytes = part.Bytes.AsSpan(0, part.Length);
            var from = (int)Math.Min(skip, bytes.Length);
            var length = Math.Min(bytes.Length - from, destination.Length - copied);
            bytes.Slice(from, length).CopyTo(destination[copied..]);
            skip -= from;
            copied += length;
            ArrayPool<byte>.Shared.Return(part.Bytes);
        }

        return copied;
    }

    /// <summary>Lets go of the file handle; it is opened again (and checked to be the same file) when more is asked for.</summary>
    public void Park()
    {
        lock (_lock)
        {
            _handle?.Dispose();
            _handle = null;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Park();
        }
    }

    /// <summary>Pieces per read job: about one prefetch block of the file, at least one row.</summary>
    private IEnumerable<(long First, int Count)> Split(SliceGeometry slice, long first, int count)
    {
        var perJob = (int)Math.Max(1, _settings.BlockSize / slice.Stride);
        for (var done = 0; done < count; done += perJob)
        {
            yield return (first + done, Math.Min(perJob, count - done));
        }
    }

    private string Describe(SliceGeometry slice, (long First, int Count) part)
    {
        var covered = slice.Covering(part.First, part.Count);
        return $"{_path}: reading {Invariant.N(part.Count)} rows of {Invariant.N(slice.PieceBytes)} bytes in [{Invariant.N(covered.Start)}, {Invariant.N(covered.End)})";
    }

    /// <summary>Reads the pieces of <paramref name="part"/> into a rented buffer, back to back; on a pool thread.</summary>
    private Part Read(SafeFileHandle handle, SliceGeometry slice, (long First, int Count) part)
    {
        // The job holds the handle too: a gather that gave up (timeout) must not let the descriptor close under it.
        var added = false;
        handle.DangerousAddRef(ref added);
        var length = (int)(part.Count * slice.PieceBytes);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var covered = slice.Covering(part.First, part.Count);
            var gap = (int)(slice.Stride - slice.PieceBytes);
            var sink = gap > 0 ? ArrayPool<byte>.Shared.Rent(gap) : [];
            try
            {
                ReadPieces((int)handle.DangerousGetHandle(), slice, covered, buffer, sink);
            }
            finally
            {
                if (gap > 0)
                {
                    ArrayPool<byte>.Shared.Return(sink);
                }
            }

            return new Part(buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        finally
        {
            handle.DangerousRelease();
        }
    }

    /// <summary>
    /// Reads the <paramref name="covered"/> bytes of the file: the pieces into <paramref name="buffer"/> back to back, the
    /// gaps into <paramref name="sink"/>, up to <see cref="Libc.IovMax"/> buffers a call, resuming wherever a call stopped.
    /// </summary>
    private void ReadPieces(int fd, SliceGeometry slice, ByteRange covered, byte[] buffer, byte[] sink)
    {
        var vectors = stackalloc Libc.IoVec[Libc.IovMax];
        fixed (byte* pieces = buffer)
        fixed (byte* gaps = sink)
        {
            long done = 0;
            while (done < covered.Length)
            {
                var count = FillVectors(vectors, slice, covered.Length, done, pieces, gaps);
                var read = Libc.PReadV(fd, vectors, count, covered.Start + done);
                if (read < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Libc.EIntr)
                    {
                        continue;
                    }

                    throw new IOException($"{_path}: reading the bytes [{Invariant.N(covered.Start + done)}, {Invariant.N(covered.End)}) failed: {Marshal.GetPInvokeErrorMessage(errno)}");
                }

                if (read == 0)
                {
                    // A file that ends early was cut short or replaced since it was opened: say which, when it shows it.
                    ShardChanged.ThrowIfChanged(_path, _opened);
                    throw ShardChanged.EndedEarly(_path, covered.Start + done, covered.End);
                }

                done += read;
            }
        }
    }

    /// <summary>
    /// Points <paramref name="vectors"/> at the rest of the covered bytes from <paramref name="done"/> on: a piece's bytes
    /// (or what is left of one) into its place in <paramref name="pieces"/>, a gap's into <paramref name="gaps"/>. Returns how many.
    /// </summary>
    private static int FillVectors(Libc.IoVec* vectors, SliceGeometry slice, long coveredLength, long done, byte* pieces, byte* gaps)
    {
        var count = 0;
        var at = done;
        while (at < coveredLength && count < Libc.IovMax)
        {
            var row = at / slice.Stride;
            var inRow = at % slice.Stride;
            var inPiece = inRow < slice.PieceBytes;
            var end = Math.Min(coveredLength, (row * slice.Stride) + (inPiece ? slice.PieceBytes : slice.Stride));
            vectors[count++] = new Libc.IoVec
            {
                Base = inPiece ? (nint)(pieces + (row * slice.PieceBytes) + inRow) : (nint)gaps,
                Length = (nuint)(end - at),
            };
            at = end;
        }

        return count;
    }

    /// <summary>The handle, opened on first use (on the pool: an open is a round trip a stalled server holds), held for the caller until it releases it.</summary>
    private SafeFileHandle AcquireHandle(long offset, CancellationTokenSource abandon)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            _handle ??= _settings.OpenOnPool($"{_path}: opening it to read rows at byte {Invariant.N(offset)}", offset, () => ShardChanged.OpenUnchanged(_path, _opened), abandon);
            var added = false;
            _handle.DangerousAddRef(ref added);
            return _handle;
        }
    }

    private bool CheckUnchanged()
    {
        ShardChanged.ThrowIfChanged(_path, _opened);
        return true;
    }

    /// <summary>A read job's result: its rented buffer and how much of it holds pieces.</summary>
    private sealed record Part(byte[] Bytes, int Length);
}
