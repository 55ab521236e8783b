using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Checkpoints.NetEmu.Internal;

namespace Checkpoints.NetEmu;

/// <summary>
/// A TCP proxy on loopback that makes the link to its target look like a network: a round-trip
/// time, optionally a bandwidth, and faults switched on at run time (drops, stalls, throttling).
/// Start one with <see cref="Start"/>, point the client at <see cref="Port"/>, dispose to stop.
/// </summary>
public sealed class LatencyProxy : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<int, ProxyConnection> _open = new();
    private readonly ConcurrentDictionary<int, Task> _handlers = new();
    private readonly List<ConnectionStatistics> _closed = [];
    private readonly LinkPacer[] _pacers;
    private readonly TaskCompletionSource?[] _stallGates = new TaskCompletionSource?[2];
    private readonly long[] _forwarded = new long[2];
    private readonly Lock _faultGate = new();
    private readonly Task _acceptLoop;
    private long _oneWayDelay;
    private int _nextId;
    private int _accepted;

    // Byte budget of the "drop after N bytes" fault: -1 when disarmed.
    private long _budget = -1;
    private int _budgetDirection = -1;
    private ITimer? _dropTimer;
    private int _disposed;

    private LatencyProxy(LatencyProxyOptions options)
    {
        Options = options;
        TimeProvider = options.TimeProvider;
        _pacers = [new LinkPacer(TimeProvider), new LinkPacer(TimeProvider)];
        SetBandwidth(options.BandwidthBytesPerSecond);
        SetRoundTripTime(options.RoundTripTime);

        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Bind(options.ListenEndPoint);
            _listener.Listen(512);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }

        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync(_stopping.Token);
    }

    /// <summary>The options the proxy started with (run-time changes are not reflected here).</summary>
    public LatencyProxyOptions Options { get; }

    /// <summary>The address the proxy listens on, with the real port when 0 was asked for.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The port the proxy listens on.</summary>
    public int Port => EndPoint.Port;

    internal TimeProvider TimeProvider { get; }

    internal long OneWayDelayTimestamp => Volatile.Read(ref _oneWayDelay);

    /// <summary>Binds the listening socket and starts accepting; stops when disposed or when <paramref name="cancellationToken"/> fires.</summary>
    public static LatencyProxy Start(LatencyProxyOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var proxy = new LatencyProxy(options);
        if (cancellationToken.CanBeCanceled)
        {
            cancellationToken.UnsafeRegister(static state => _ = ((LatencyProxy)state!).DisposeAsync().AsTask(), proxy);
        }

        return proxy;
    }

    /// <summary>Changes the round-trip time for bytes received from now on; bytes already in flight keep theirs.</summary>
    public void SetRoundTripTime(TimeSpan roundTripTime)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(roundTripTime, TimeSpan.Zero);
        var oneWay = (long)(roundTripTime.TotalSeconds / 2 * TimeProvider.TimestampFrequency);
        Volatile.Write(ref _oneWayDelay, oneWay);
    }

    /// <summary>Caps both directions at <paramref name="bytesPerSecond"/> (shared by all connections); null removes the cap.</summary>
    public void SetBandwidth(long? bytesPerSecond)
    {
        SetBandwidth(ProxyDirection.ClientToServer, bytesPerSecond);
        SetBandwidth(ProxyDirection.ServerToClient, bytesPerSecond);
    }

    /// <summary>
    /// Caps one direction at <paramref name="bytesPerSecond"/>; null removes the cap. A rate of 1 is the
    /// "throttle to near zero" fault: a byte a second trickles through, the connection stays open.
    /// </summary>
    public void SetBandwidth(ProxyDirection direction, long? bytesPerSecond) => Pacer(direction).BytesPerSecond = bytesPerSecond;

    /// <summary>Stops forwarding in one direction; connections stay open and bytes queue up (then TCP pushes back) until <see cref="Resume"/>.</summary>
    public void Stall(ProxyDirection direction)
    {
        lock (_faultGate)
        {
            _stallGates[(int)direction] ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Ends a <see cref="Stall"/>; queued bytes flow on in order. Does nothing if not stalled.</summary>
    public void Resume(ProxyDirection direction)
    {
        TaskCompletionSource? gate;
        lock (_faultGate)
        {
            gate = _stallGates[(int)direction];
            _stallGates[(int)direction] = null;
        }

        gate?.TrySetResult();
    }

    /// <summary>
    /// Drops every connection once exactly <paramref name="bytes"/> more bytes have been forwarded (in
    /// <paramref name="direction"/>, or in both directions together when null). Peers see those bytes,
    /// then a reset. One-shot: connections made after the drop work normally.
    /// </summary>
    public void DropConnectionsAfterBytes(long bytes, ProxyDirection? direction = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        lock (_faultGate)
        {
            Volatile.Write(ref _budgetDirection, direction is { } d ? (int)d : -1);
            Volatile.Write(ref _budget, bytes);
        }

        if (bytes == 0)
        {
            OnBudgetExhausted();
        }
    }

    /// <summary>Drops every connection open when <paramref name="delay"/> has passed (by the proxy's <see cref="TimeProvider"/>).</summary>
    public void DropConnectionsAfter(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        var timer = TimeProvider.CreateTimer(static state => ((LatencyProxy)state!).DropConnections(), this, delay, Timeout.InfiniteTimeSpan);
        lock (_faultGate)
        {
            (_dropTimer, timer) = (timer, _dropTimer);
        }

        timer?.Dispose();
    }

    /// <summary>Resets every open connection now. New connections are still accepted.</summary>
    public void DropConnections()
    {
        foreach (var connection in _open.Values)
        {
            connection.Abort();
        }
    }

    /// <summary>What has been carried so far.</summary>
    public ProxyStatistics GetStatistics()
    {
        var connections = new List<ConnectionStatistics>();
        lock (_closed)
        {
            connections.AddRange(_closed);
        }

        foreach (var connection in _open.Values)
        {
            connections.Add(connection.Statistics(open: true));
        }

        connections.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        return new ProxyStatistics(
            Interlocked.Read(ref _forwarded[0]),
            Interlocked.Read(ref _forwarded[1]),
            Volatile.Read(ref _accepted),
            _open.Count,
            connections);
    }

    /// <summary>Stops listening, resets every connection and waits until all of them are closed. Safe to repeat.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        DropConnections();
        await Task.WhenAll(_handlers.Values).ConfigureAwait(false);
        ITimer? timer;
        lock (_faultGate)
        {
            timer = _dropTimer;
            _dropTimer = null;
        }

        timer?.Dispose();
        Resume(ProxyDirection.ClientToServer);
        Resume(ProxyDirection.ServerToClient);
        _stopping.Dispose();
    }

    /// <summary>Bytes read from the sending side of open connections, forwarded or still held back (tests wait on this).</summary>
    internal long BytesReceived(ProxyDirection direction) =>
        _open.Values.Sum(connection => connection.BytesReceived(direction));

    internal LinkPacer Pacer(ProxyDirection direction) => _pacers[(int)direction];

    internal ValueTask WaitWhileStalledAsync(ProxyDirection direction, CancellationToken cancellationToken)
    {
        var gate = Volatile.Read(ref _stallGates[(int)direction]);
        return gate is null ? default : new ValueTask(gate.Task.WaitAsync(cancellationToken));
    }

    /// <summary>How many of <paramref name="wanted"/> bytes may still be forwarded before the drop fault fires.</summary>
    internal int ReserveBudget(ProxyDirection direction, int wanted)
    {
        while (true)
        {
            var budget = Volatile.Read(ref _budget);
            if (budget < 0)
            {
                return wanted;
            }

            var budgetDirection = Volatile.Read(ref _budgetDirection);
            if (budgetDirection >= 0 && budgetDirection != (int)direction)
            {
                return wanted;
            }

            var granted = (int)Math.Min(wanted, budget);
            if (Interlocked.CompareExchange(ref _budget, budget - granted, budget) == budget)
            {
                return granted;
            }
        }
    }

    internal void OnBudgetExhausted()
    {
        // Drop first, disarm after: a writer that races us sees a zero budget, not a fresh unlimited one.
        // Gracefully, so the bytes counted against the budget do reach the peers.
        foreach (var connection in _open.Values)
        {
            connection.CloseGracefully();
        }

        Interlocked.CompareExchange(ref _budget, -1, 0);
    }

    internal void CountForwarded(ProxyDirection direction, int bytes) => Interlocked.Add(ref _forwarded[(int)direction], bytes);

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException
                || (exception is SocketException && cancellationToken.IsCancellationRequested))
            {
                return;
            }
            catch (SocketException)
            {
                // E.g. the client reset before we accepted it; keep serving the others.
                continue;
            }

            var id = Interlocked.Increment(ref _nextId);
            var handler = HandleAsync(id, client, cancellationToken);
            _handlers[id] = handler;
            if (handler.IsCompleted)
            {
                _handlers.TryRemove(id, out _);
            }
        }
    }

    private async Task HandleAsync(int id, Socket client, CancellationToken cancellationToken)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            client.NoDelay = true;
            server.NoDelay = true;
            await server.ConnectAsync(Options.TargetEndPoint, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Target down: the client sees its connection reset, as it would with a refused connection behind a real proxy.
            client.LingerState = new LingerOption(true, 0);
            client.Dispose();
            server.Dispose();
            _handlers.TryRemove(id, out _);
            return;
        }

        // Registered before it runs: a fault that fires on its very first bytes must find it.
        var connection = new ProxyConnection(this, id, client, server);
        _open[id] = connection;
        Interlocked.Increment(ref _accepted);
        if (cancellationToken.IsCancellationRequested)
        {
            connection.Abort();
        }

        try
        {
            await connection.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            lock (_closed)
            {
                _closed.Add(connection.Statistics(open: false));
            }

            _open.TryRemove(id, out _);
            _handlers.TryRemove(id, out _);
        }
    }
}
