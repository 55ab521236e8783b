using System.Net.Sockets;

namespace Checkpoints.NetEmu.Internal;

/// <summary>One accepted client and its connection to the target, carried by two pumps.</summary>
internal sealed class ProxyConnection : IDisposable
{
    private readonly Socket _client;
    private readonly Socket _server;
    private readonly CancellationTokenSource _cancellation = new();
    private readonly DelayPump _upstream;
    private readonly DelayPump _downstream;
    private const int Open = 0;
    private const int ClosingGracefully = 1;
    private const int Reset = 2;
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private int _state;

    public ProxyConnection(LatencyProxy proxy, int id, Socket client, Socket server)
    {
        Id = id;
        _client = client;
        _server = server;
        _upstream = new DelayPump(proxy, ProxyDirection.ClientToServer, client, server, Abort);
        _downstream = new DelayPump(proxy, ProxyDirection.ServerToClient, server, client, Abort);
    }

    public int Id { get; }

    public ConnectionStatistics Statistics(bool open) =>
        new(Id, open, _upstream.BytesForwarded, _downstream.BytesForwarded);

    public long BytesReceived(ProxyDirection direction) =>
        direction == ProxyDirection.ClientToServer ? _upstream.BytesReceived : _downstream.BytesReceived;

    /// <summary>Runs until both directions ended (graceful) or the connection was aborted; never throws.</summary>
    public async Task RunAsync()
    {
        try
        {
            await Task.WhenAll(
                _upstream.RunAsync(_cancellation.Token),
                _downstream.RunAsync(_cancellation.Token)).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
            if (Volatile.Read(ref _state) == Open)
            {
                Abort();
            }
        }

        try
        {
            if (Volatile.Read(ref _state) == ClosingGracefully)
            {
                await Task.WhenAll(DrainAsync(_client), DrainAsync(_server)).ConfigureAwait(false);
            }
        }
        finally
        {
            Dispose();
        }
    }

    /// <summary>
    /// Ends the connection so that every byte already forwarded still arrives, followed by end of
    /// stream (the byte-budget fault needs "exactly N bytes, then closed"). A reset would make the
    /// kernel discard what is still queued in our send buffers.
    /// </summary>
    public void CloseGracefully()
    {
        if (Interlocked.CompareExchange(ref _state, ClosingGracefully, Open) != Open)
        {
            return;
        }

        Cancel();
        foreach (var socket in (ReadOnlySpan<Socket>)[_client, _server])
        {
            try
            {
                socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
            }
        }
    }

    // Reads and discards until the peer closes too: closing with unread bytes would send a reset.
    private static async Task DrainAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(DrainTimeout);
        var buffer = new byte[4096];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Releases sockets and buffers; only once both pumps have stopped (RunAsync does this).</summary>
    public void Dispose()
    {
        _client.Dispose();
        _server.Dispose();
        _upstream.Dispose();
        _downstream.Dispose();
        _cancellation.Dispose();
    }

    /// <summary>Resets both sockets at once, like a dropped link (also cuts a graceful close short). Safe to repeat, from any thread.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _state, Reset) == Reset)
        {
            return;
        }

        Cancel();
        ResetSocket(_client);
        ResetSocket(_server);
    }

    private void Cancel()
    {
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // RunAsync already finished and cleaned up.
        }
    }

    private static void ResetSocket(Socket socket)
    {
        try
        {
            // Linger 0 makes close send RST: the peer sees "connection reset", not a tidy end of stream.
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
        }
        catch (SocketException)
        {
        }
    }
}
