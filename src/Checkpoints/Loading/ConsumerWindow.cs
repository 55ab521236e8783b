namespace Checkpoints.Loading;

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
    private int _waiting;

    /// <param name="size">Bytes the prefetcher may be ahead; <see cref="long.MaxValue"/> for no limit.</param>
    public ConsumerWindow(long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        Size = size;
    }

    public long Size { get; }

    /// <summary>The furthest position the consumer has reached, in loading order.</summary>
    public long Position => Volatile.Read(ref _position);

    /// <summary>Records that the consumer reads at <paramref name="position"/>. Cheap enough to call for every tensor.</summary>
    public void Advance(long position)
    {
        var current = Volatile.Read(ref _position);
        while (position > current)
        {
            var seen = Interlocked.CompareExchange(ref _position, position, current);
            if (seen == current)
            {
                if (Volatile.Read(ref _waiting) > 0)
                {
                    lock (_gate)
                    {
                        Monitor.PulseAll(_gate);
                    }
                }

                return;
            }

            current = seen;
        }
    }

    /// <summary>Whether <paramref name="block"/> may be read now: it ends within the window, or it is where the consumer is.</summary>
    public bool Allows(PrefetchBlock block)
    {
        var position = Position;
        // The block under the consumer is always allowed, even when the window is smaller than a block.
        return block.Position <= position || block.End - position <= Size;
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
}
