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
    private int _aborted;

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
            Abort();
        }
        finally
        {
            Dispose();
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

    /// <summary>Resets both sockets at once, like a dropped link. Safe to repeat and to call from any thread.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }

        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // RunAsync already finished and cleaned up.
        }

        ResetSocket(_client);
        ResetSocket(_server);
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
