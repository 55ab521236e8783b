using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Checkpoints.Format;

namespace Checkpoints.TorchSharp.Copying;

/// <summary>
/// Copies every planned tensor once into the destination's memory, on several threads: the library writes the bytes
/// there itself (<see cref="Tensor.CopySelectedTo"/>: from the page cache, or read past it from a cold local disk), and a
/// tensor converted to another type is converted from the checkpoint's span. With a selection, each tensor's selected
/// slice is what is copied.
/// </summary>
/// <remarks>
/// Work is cut into pieces of at most <see cref="PieceBytes"/> checkpoint bytes, so a large tensor is copied by all
/// threads, spans stay far below 2 GiB, and the first touch of fresh destination pages (slow on some VMs) is spread
/// across threads. Pieces are handed out in checkpoint order, one at a time, so the library's prefetch window slides
/// ahead of the copy. Shards are done one after another: the library releases an eagerly read shard when its consumer
/// moves to a later one, and a thread lagging behind at a shard boundary would make it read that shard again.
/// </remarks>
internal static class ParallelCopier
{
    public const int PieceBytes = 64 << 20;

    public static void Run(IReadOnlyList<TensorCopy> copies, int threads, IProgress<CheckpointLoadProgress>? progress, CancellationToken cancellationToken)
    {
        var remaining = new int[copies.Count];
        var pieces = Pieces(copies, remaining);
        var totalBytes = copies.Sum(c => c.Source.SelectedByteLength);
        long bytesDone = 0;
        var tensorsDone = copies.Count(c => c.Source.SelectedByteLength == 0);
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken };
        foreach (var shard in pieces.GroupBy(p => p.Copy.Source.ShardIndex))
        {
            try
            {
                Parallel.ForEach(Partitioner.Create(shard, EnumerablePartitionerOptions.NoBuffering), options, piece =>
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    CopyPiece(piece);
                    var bytes = Interlocked.Add(ref bytesDone, piece.Length);
                    var tensors = Interlocked.Decrement(ref remaining[piece.Index]) == 0
                        ? Interlocked.Increment(ref tensorsDone)
                        : Volatile.Read(ref tensorsDone);
                    progress?.Report(new CheckpointLoadProgress(tensors, copies.Count, bytes, totalBytes));
                });
            }
            catch (AggregateException e) when (e.InnerExceptions.Count > 0)
            {
                // A failure is one tensor's: rethrow it as itself, not wrapped, so callers catch IOException and the like.
                ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            }
        }
    }

    private static List<Piece> Pieces(IReadOnlyList<TensorCopy> copies, int[] piecesPerCopy)
    {
        var pieces = new List<Piece>();
        for (var index = 0; index < copies.Count; index++)
        {
            var copy = copies[index];
            var elementSize = copy.Source.DType.ByteSize();
            var perPiece = PieceBytes / elementSize;
            for (long element = 0; element < copy.SourceElements; element += perPiece)
            {
                var count = Math.Min(perPiece, copy.SourceElements - element);
                pieces.Add(new Piece(copy, index, element, (int)count, (int)count * elementSize));
                piecesPerCopy[index]++;
            }
        }

        return pieces;
    }

    private static unsafe void CopyPiece(Piece piece)
    {
        var copy = piece.Copy;
        var start = piece.Element * copy.Source.DType.ByteSize();
        var destination = new Span<byte>(
            (byte*)copy.Destination + (piece.Element * copy.TargetElementSize), piece.Count * copy.TargetElementSize);
        try
        {
            if (copy.Converts && copy.Source.IsSelectedContiguous)
            {
                copy.Kernel(copy.Source.GetSelectedBytes(start, piece.Length), destination);
            }
            else if (copy.Converts)
            {
                // A column cut is gathered first: its rows are apart in the file.
                var gathered = ArrayPool<byte>.Shared.Rent(piece.Length);
                try
                {
                    copy.Source.CopySelectedTo(start, gathered.AsSpan(0, piece.Length));
                    copy.Kernel(gathered.AsSpan(0, piece.Length), destination);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(gathered);
                }
            }
            else
            {
                // The library copies into the destination itself: from the page cache, or read past it on a cold local disk.
                copy.Source.CopySelectedTo(start, destination);
            }
        }
        catch (IOException e)
        {
            // The library's message names the file and offset; the tensor is what the caller can act on in a model.
            throw new IOException($"Loading tensor '{copy.Source.Name}' into '{copy.Name}' failed: {e.Message}", e);
        }
    }

    /// <summary>Elements [<see cref="Element"/>, + <see cref="Count"/>) of one copy; <see cref="Length"/> checkpoint bytes.</summary>
    private sealed record Piece(TensorCopy Copy, int Index, long Element, int Count, int Length);
}
