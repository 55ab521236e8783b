namespace Checkpoints.Loading.Prefetch;

/// <summary>
/// Keeps the prefetcher at most <see cref="Size"/> bytes ahead of the consumer, so that on a checkpoint larger
/// than memory it never evicts pages the consumer has not reached yet. The consumer reports where it reads; the
/// prefetcher's workers wait here for room.
/// </summary>
internal sealed class ConsumerWindow
{
    // A plain object: Monitor.Wait and PulseAll need the monitor, which System.Threading.Lock does not take.
    private readonly object _gate = new();
    private long _position;
    private long _end;
    private int _waiting;

    private readonly long _skippable;

    /// <param name="size">Bytes the prefetcher may be ahead; <see cref="long.MaxValue"/> for no limit.</param>
    /// <param name="skippable">
    /// The widest run of bytes, inside what is read, that a consumer reading in order passes over (the unselected bytes
    /// between a selection's ranges): a step that far is still progress, not a lookup.
    /// </param>
    public ConsumerWindow(long size, long skippable = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        ArgumentOutOfRangeException.ThrowIfNegative(skippable);
        Size = size;
        _skippable = skippable;
    }

    public long Size { get; }

    /// <summary>The furthest position the consumer has reached, in loading order.</summary>
    public long Position => Volatile.Read(ref _position);

    /// <summary>The end of the furthest range the consumer has read.</summary>
    public long End => Volatile.Read(ref _end);

    /// <summary>
    /// Records that the consumer reads [<paramref name="start"/>, <paramref name="end"/>), in loading order. Cheap enough to
    /// call for every tensor. A jump further than the window beyond the last range read is a lookup by name, not
    /// progress: it moves nothing, so one early look at the last tensor does not make the prefetch skip everything.
    /// </summary>
    public void Advance(long start, long end)
    {
        var lastEnd = Volatile.Read(ref _end);
        if (start - lastEnd - _skippable > Size)
        {
            return;
        }

        Raise(ref _end, end);
        if (Raise(ref _position, start) && Volatile.Read(ref _waiting) > 0)
        {
            lock (_gate)
            {
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>Whether <paramref name="block"/> may be read now: it ends within the window, or it overlaps what the consumer is reading.</summary>
    public bool Allows(PrefetchBlock block)
    {
        var position = Position;
        // What the consumer reads right now is always allowed, even a tensor larger than the window.
        return block.Position < End || block.Position <= position || block.End - position <= Size;
    }

    /// <summary>Waits until <paramref name="block"/> is allowed. Returns false when cancelled.</summary>
    public bool WaitFor(PrefetchBlock block, CancellationToken cancellationToken)
    {
        if (Allows(block))
        {
            return true;
        }

        using var wake = cancellationToken.Register(() =>
        {
            lock (_gate)
            {
                Monitor.PulseAll(_gate);
            }
        });
        lock (_gate)
        {
            Interlocked.Increment(ref _waiting);
            try
            {
                while (!Allows(block))
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        return false;
                    }

                    Monitor.Wait(_gate);
                }

                return true;
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }
        }
    }

    /// <summary>Raises <paramref name="field"/> to <paramref name="value"/> if that is higher; true when it did.</summary>
    private static bool Raise(ref long field, long value)
    {
        var current = Volatile.Read(ref field);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref field, value, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }
}
