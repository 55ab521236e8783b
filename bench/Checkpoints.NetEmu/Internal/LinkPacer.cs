namespace Checkpoints.NetEmu.Internal;

/// <summary>
/// The bandwidth of one direction of the emulated link, shared by every connection: each slice of
/// bytes reserves the link for <c>bytes / rate</c> seconds, so N parallel connections share the
/// rate the way TCP flows share a real link.
/// </summary>
/// <remarks>
/// The link keeps a few milliseconds of credit (<see cref="Burst"/>), like a token bucket: a sender that wakes late (timers
/// tick in milliseconds, and on a busy machine the send loop waits for a thread) sends what the link would have carried
/// meanwhile at once. Without it every late wake-up was lost for good, and the link carried far less than its rate: one
/// stream through a 200 MB/s link reached 100 MB/s on a 2-core machine whose other processes kept the CPUs busy.
/// </remarks>
internal sealed class LinkPacer(TimeProvider timeProvider)
{
    /// <summary>How far the link may lag behind the clock: an idle or late link sends up to this much of its rate at once.</summary>
    public static readonly TimeSpan Burst = TimeSpan.FromMilliseconds(5);

    private readonly Lock _gate = new();
    private long _bytesPerSecond;
    private long _freeAt;

    /// <summary>Bytes per second; null when the link is unlimited.</summary>
    public long? BytesPerSecond
    {
        get
        {
            var rate = Volatile.Read(ref _bytesPerSecond);
            return rate == 0 ? null : rate;
        }

        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value ?? 1, 1, nameof(value));
            lock (_gate)
            {
                // A new rate applies from now on: the backlog the old rate built up is forgotten.
                _freeAt = Math.Min(_freeAt, timeProvider.GetTimestamp());
                Volatile.Write(ref _bytesPerSecond, value ?? 0);
            }
        }
    }

    /// <summary>The largest slice worth sending in one go: about a millisecond of the rate, at least one byte.</summary>
    public int SliceSize(int max)
    {
        var rate = Volatile.Read(ref _bytesPerSecond);
        return rate == 0 ? max : (int)Math.Clamp(rate / 1000, 1, max);
    }

    /// <summary>Reserves the link for <paramref name="bytes"/> and returns the timestamp at which they may go.</summary>
    public long Reserve(int bytes)
    {
        var rate = Volatile.Read(ref _bytesPerSecond);
        if (rate == 0)
        {
            return 0;
        }

        lock (_gate)
        {
            var now = timeProvider.GetTimestamp();
            var start = Math.Max(now - (long)(Burst.TotalSeconds * timeProvider.TimestampFrequency), _freeAt);
            _freeAt = start + (long)((double)bytes * timeProvider.TimestampFrequency / rate);
            return start;
        }
    }
}
