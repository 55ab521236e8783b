using System.Net;

namespace Checkpoints.NetEmu;

/// <summary>How a <see cref="LatencyProxy"/> listens, where it forwards, and what link it emulates.</summary>
public sealed class LatencyProxyOptions
{
    /// <summary>Where to listen; port 0 picks a free port (see <see cref="LatencyProxy.Port"/>). Loopback only.</summary>
    public IPEndPoint ListenEndPoint { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>Where each accepted connection is forwarded. Loopback only.</summary>
    public required IPEndPoint TargetEndPoint { get; init; }

    /// <summary>Round-trip time added to the link; each direction is delayed by half of it. Default 2 ms.</summary>
    public TimeSpan RoundTripTime { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Bandwidth of each direction in bytes per second, shared by all connections; null = unlimited.</summary>
    public long? BandwidthBytesPerSecond { get; init; }

    /// <summary>Largest single receive or send. Default 256 KiB.</summary>
    public int ChunkSize { get; init; } = 256 * 1024;

    /// <summary>
    /// Bytes each direction of each connection may hold in flight (its share of the bandwidth-delay
    /// product); when full, the proxy stops reading and TCP flow control slows the sender. Default 4 MiB.
    /// </summary>
    public int BufferedBytesPerDirection { get; init; } = 4 * 1024 * 1024;

    /// <summary>Clock for delays, pacing and timed faults; tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(ListenEndPoint);
        ArgumentNullException.ThrowIfNull(TargetEndPoint);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        if (!IPAddress.IsLoopback(ListenEndPoint.Address) || !IPAddress.IsLoopback(TargetEndPoint.Address))
        {
            throw new ArgumentException(
                $"The emulator only listens on and forwards to loopback addresses; got listen {ListenEndPoint}, target {TargetEndPoint}.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(RoundTripTime, TimeSpan.Zero, nameof(RoundTripTime));
        ArgumentOutOfRangeException.ThrowIfLessThan(BandwidthBytesPerSecond ?? 1, 1, nameof(BandwidthBytesPerSecond));
        ArgumentOutOfRangeException.ThrowIfLessThan(ChunkSize, 1, nameof(ChunkSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(BufferedBytesPerDirection, ChunkSize, nameof(BufferedBytesPerDirection));
    }
}
