namespace Checkpoints.NetEmu.Internal;

/// <summary>
/// The bandwidth of one direction of the emulated link, shared by every connection: each slice of
/// bytes reserves the link for <c>bytes / rate</c> seconds, so N parallel connections share the
/// rate the way TCP flows share a real link.
/// </summary>
internal sealed class LinkPacer(TimeProvider timeProvider)
{
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
            var start = Math.Max(now, _freeAt);
            _freeAt = start + (long)((double)bytes * timeProvider.TimestampFrequency / rate);
            return start;
        }
    }
}
