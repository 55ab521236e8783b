using System.Buffers;
using System.Net.Sockets;

namespace Checkpoints.NetEmu.Internal;

/// <summary>
/// Carries one direction of one connection: a receive loop copies bytes into a ring buffer and
/// stamps each chunk with its release time; a send loop forwards whatever has been released.
/// The receive loop never waits for the delay, so up to a ring's worth of bytes is "on the wire"
/// at once, like a real link's bandwidth-delay product, instead of one buffer per round trip.
/// </summary>
internal sealed class DelayPump : IDisposable
{
    private const int MaxRecords = 4096;

    private readonly LatencyProxy _proxy;
    private readonly ProxyDirection _direction;
    private readonly Socket _source;
    private readonly Socket _destination;
    private readonly Action _abort;
    private readonly TimeProvider _time;
    private readonly int _chunkSize;
    private readonly byte[] _ring;
    private readonly int _capacity;
    private readonly Record[] _records = new Record[MaxRecords];
    private readonly AsyncSignal _receiverWake = new();
    private readonly AsyncSignal _senderWake = new();
    private readonly ITimer _timer;
    private readonly Lock _gate = new();

    // Byte positions since the start of the stream; the ring index is position % capacity.
    private long _received;
    private long _released;
    private long _sent;
    private int _firstRecord;
    private int _recordCount;
    private bool _endOfStream;
    private long _lastRelease;
    private int _disposed;

    public DelayPump(LatencyProxy proxy, ProxyDirection direction, Socket source, Socket destination, Action abort)
    {
        _abort = abort;
        _proxy = proxy;
        _direction = direction;
        _source = source;
        _destination = destination;
        _time = proxy.TimeProvider;
        _chunkSize = proxy.Options.ChunkSize;
        _ring = ArrayPool<byte>.Shared.Rent(proxy.Options.BufferedBytesPerDirection);
        _capacity = proxy.Options.BufferedBytesPerDirection;
        _timer = _time.CreateTimer(static state => ((AsyncSignal)state!).Set(), _senderWake, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Bytes written to the destination so far.</summary>
    public long BytesForwarded => Volatile.Read(ref _sent);

    /// <summary>Bytes read from the source so far (forwarded or still in flight).</summary>
    public long BytesReceived => Volatile.Read(ref _received);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.UnsafeRegister(
            static state =>
            {
                var pump = (DelayPump)state!;
                pump._receiverWake.Set();
                pump._senderWake.Set();
            },
            this);
        await Task.WhenAll(
            AbortOnFault(ReceiveLoopAsync(cancellationToken), cancellationToken),
            AbortOnFault(SendLoopAsync(cancellationToken), cancellationToken)).ConfigureAwait(false);
    }

    private async Task AbortOnFault(Task loop, CancellationToken cancellationToken)
    {
        try
        {
            await loop.ConfigureAwait(false);
        }
        catch when (!cancellationToken.IsCancellationRequested)
        {
            // Without this the other loop would wait forever for bytes or space that never come. When the
            // connection is already closing (cancelled), leave the how, graceful or reset, to the closer.
            _abort();
            throw;
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int offset;
            int length;
            lock (_gate)
            {
                var free = _capacity - (_received - _sent);
                offset = (int)(_received % _capacity);
                length = _recordCount == MaxRecords ? 0 : (int)Math.Min(Math.Min(free, _capacity - offset), _chunkSize);
            }

            if (length == 0)
            {
                // Ring full: stop reading, so TCP flow control pushes back on the sender as a full link would.
                await _receiverWake.WaitAsync().ConfigureAwait(false);
                continue;
            }

            var count = await _source.ReceiveAsync(_ring.AsMemory(offset, length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (count == 0)
            {
                lock (_gate)
                {
                    _endOfStream = true;
                }

                _senderWake.Set();
                return;
            }

            var release = Math.Max(_time.GetTimestamp() + _proxy.OneWayDelayTimestamp, _lastRelease);
            _lastRelease = release;
            lock (_gate)
            {
                _records[(_firstRecord + _recordCount) % MaxRecords] = new Record(_received + count, release);
                _recordCount++;
                Volatile.Write(ref _received, _received + count);
            }

            _senderWake.Set();
        }
    }

    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        var pacer = _proxy.Pacer(_direction);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var now = _time.GetTimestamp();
            long sendable;
            long nextRelease = long.MaxValue;
            bool finished;
            lock (_gate)
            {
                while (_recordCount > 0 && _records[_firstRecord].Release <= now)
                {
                    _released = _records[_firstRecord].End;
                    _firstRecord = (_firstRecord + 1) % MaxRecords;
                    _recordCount--;
                }

                if (_recordCount > 0)
                {
                    nextRelease = _records[_firstRecord].Release;
                }

                sendable = _released - _sent;
                finished = _endOfStream && _recordCount == 0 && sendable == 0;
            }

            if (sendable == 0)
            {
                if (finished)
                {
                    // Pass the half-close on, so the other side sees end of stream once everything arrived.
                    _destination.Shutdown(SocketShutdown.Send);
                    return;
                }

                if (nextRelease != long.MaxValue)
                {
                    ArmTimer(nextRelease - now);
                }

                await _senderWake.WaitAsync().ConfigureAwait(false);
                continue;
            }

            var offset = (int)(_sent % _capacity);
            var length = (int)Math.Min(Math.Min(sendable, _capacity - offset), pacer.SliceSize(_chunkSize));
            var sendAt = pacer.Reserve(length);
            while (sendAt > _time.GetTimestamp())
            {
                ArmTimer(sendAt - _time.GetTimestamp());
                await _senderWake.WaitAsync().ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
            }

            await _proxy.WaitWhileStalledAsync(_direction, cancellationToken).ConfigureAwait(false);

            var granted = _proxy.ReserveBudget(_direction, length);
            if (granted > 0)
            {
                var remaining = _ring.AsMemory(offset, granted);
                while (!remaining.IsEmpty)
                {
                    var written = await _destination.SendAsync(remaining, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                    remaining = remaining[written..];
                }

                lock (_gate)
                {
                    Volatile.Write(ref _sent, _sent + granted);
                }

                _proxy.CountForwarded(_direction, granted);
                _receiverWake.Set();
            }

            if (granted < length)
            {
                // The fault's byte budget ran out inside this slice: exactly `granted` bytes went through.
                _proxy.OnBudgetExhausted();
                return;
            }
        }
    }

    private void ArmTimer(long timestampDelta)
    {
        // Timers tick in whole milliseconds and truncate; round to nearest so delays are right on average
        // instead of always up to a millisecond late (or spinning at 0 ms).
        var milliseconds = Math.Round(timestampDelta * 1000.0 / _time.TimestampFrequency, MidpointRounding.AwayFromZero);
        _timer.Change(TimeSpan.FromMilliseconds(Math.Max(0, milliseconds)), Timeout.InfiniteTimeSpan);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _timer.Dispose();
        ArrayPool<byte>.Shared.Return(_ring);
    }

    private readonly record struct Record(long End, long Release);
}
