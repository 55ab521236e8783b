using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Checkpoints.NetEmu.Tests;

/// <summary>A loopback "storage" server for the proxy to forward to; each accepted socket runs a handler.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly Func<Socket, CancellationToken, Task> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = [];
    private readonly Task _acceptLoop;
    private readonly bool _isPassive;

    private TestServer(Func<Socket, CancellationToken, Task> handler, bool isPassive = false)
    {
        _handler = handler;
        _isPassive = isPassive;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>Sockets as they are accepted (after the handler started).</summary>
    public Channel<Socket> Accepted { get; } = Channel.CreateUnbounded<Socket>();

    /// <summary>Sends back everything it receives; passes end of stream on.</summary>
    public static TestServer Echo() => new(async (socket, cancellationToken) =>
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var count = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (count == 0)
            {
                socket.Shutdown(SocketShutdown.Send);
                return;
            }

            await socket.SendAsync(buffer.AsMemory(0, count), SocketFlags.None, cancellationToken);
        }
    });

    /// <summary>Sends <paramref name="data"/> to each client as soon as it connects, then ends its side.</summary>
    public static TestServer Sending(byte[] data) => new(async (socket, cancellationToken) =>
    {
        await socket.SendAsync(data, SocketFlags.None, cancellationToken);
        socket.Shutdown(SocketShutdown.Send);
        var sink = new byte[4096];
        while (await socket.ReceiveAsync(sink, SocketFlags.None, cancellationToken) > 0)
        {
        }
    });

    /// <summary>Accepts and does nothing: the test reads and writes the sockets from <see cref="Accepted"/>.</summary>
    public static TestServer Passive() => new((_, _) => Task.CompletedTask, isPassive: true);

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            socket.NoDelay = true;
            await Accepted.Writer.WriteAsync(socket);
            lock (_running)
            {
                _running.Add(RunHandlerAsync(socket));
            }
        }
    }

    private async Task RunHandlerAsync(Socket socket)
    {
        try
        {
            await _handler(socket, _stop.Token);
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // The proxy reset the connection (a fault under test) or the test ended.
        }
        finally
        {
            // Passive servers hand their sockets to the test, which closes them; the others close their own.
            if (!_isPassive)
            {
                socket.Dispose();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _acceptLoop;
        Task[] running;
        lock (_running)
        {
            running = [.. _running];
        }

        await Task.WhenAll(running);
        while (Accepted.Reader.TryRead(out var socket))
        {
            socket.Dispose();
        }

        _stop.Dispose();
    }
}

internal static class Peer
{
    /// <summary>Guards every wait in a test against hanging; not a performance assertion.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    public static async Task<Socket> ConnectAsync(LatencyProxy proxy)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(proxy.EndPoint);
        return socket;
    }

    public static LatencyProxy StartProxy(TestServer server, TimeSpan roundTripTime, TimeProvider? timeProvider = null) =>
        LatencyProxy.Start(new LatencyProxyOptions
        {
            TargetEndPoint = server.EndPoint,
            RoundTripTime = roundTripTime,
            TimeProvider = timeProvider ?? TimeProvider.System,
        });

    public static byte[] RandomBytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes.</summary>
    public static async Task<byte[]> ReadExactlyAsync(Socket socket, int count)
    {
        using var guard = new CancellationTokenSource(HangGuard);
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, guard.Token);
            Assert.NotEqual(0, n);
            read += n;
        }

        return buffer;
    }

    /// <summary>Reads until end of stream or reset; returns the bytes and whether the connection was reset.</summary>
    public static async Task<(byte[] Data, bool Reset)> ReadToEndAsync(Socket socket)
    {
        using var guard = new CancellationTokenSource(HangGuard);
        using var collected = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            int n;
            try
            {
                n = await socket.ReceiveAsync(buffer, SocketFlags.None, guard.Token);
            }
            catch (SocketException exception) when (exception.SocketErrorCode == SocketError.ConnectionReset)
            {
                return (collected.ToArray(), true);
            }

            if (n == 0)
            {
                return (collected.ToArray(), false);
            }

            collected.Write(buffer, 0, n);
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test if it never does.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + HangGuard;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting until {what}.");
            await Task.Delay(5);
        }
    }
}
