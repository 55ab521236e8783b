using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;

namespace Checkpoints.NetEmu.Tests;

public sealed class LatencyProxyTests
{
    [Fact]
    public async Task Forward_DeliversBytesIntactAndInOrder_InBothDirections_UnderConcurrency()
    {
        const int Clients = 8;
        const int BytesPerClient = 2 * 1024 * 1024;
        await using var server = TestServer.Echo();
        await using var proxy = Peer.StartProxy(server, TimeSpan.FromMilliseconds(1));

        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async client =>
        {
            using var socket = await Peer.ConnectAsync(proxy);
            var sent = Peer.RandomBytes(BytesPerClient, seed: client);
            var chunkSizes = new Random(1000 + client);

            // Write in ragged chunks while reading, so both directions of every connection are busy at once.
            var writer = Task.Run(async () =>
            {
                for (var offset = 0; offset < sent.Length;)
                {
                    var length = Math.Min(chunkSizes.Next(1, 96 * 1024), sent.Length - offset);
                    await socket.SendAsync(sent.AsMemory(offset, length), SocketFlags.None);
                    offset += length;
                }

                socket.Shutdown(SocketShutdown.Send);
            });
            var (received, reset) = await Peer.ReadToEndAsync(socket);
            await writer;

            Assert.False(reset);
            Assert.Equal(sent.Length, received.Length);
            Assert.True(sent.AsSpan().SequenceEqual(received), $"client {client}: echoed bytes differ");
        }));

        await Peer.WaitUntilAsync(() => proxy.GetStatistics().ConnectionsOpen == 0, "all connections closed");
        var statistics = proxy.GetStatistics();
        Assert.Equal((long)Clients * BytesPerClient, statistics.BytesClientToServer);
        Assert.Equal((long)Clients * BytesPerClient, statistics.BytesServerToClient);
        Assert.Equal(Clients, statistics.ConnectionsAccepted);
        Assert.Equal(Clients, statistics.Connections.Count);
        Assert.All(statistics.Connections, connection =>
        {
            Assert.False(connection.IsOpen);
            Assert.Equal(BytesPerClient, connection.BytesClientToServer);
            Assert.Equal(BytesPerClient, connection.BytesServerToClient);
        });
    }

    [Fact]
    public async Task Forward_CountsEachDirectionSeparately()
    {
        var payload = Peer.RandomBytes(300_000, seed: 7);
        await using var server = TestServer.Sending(payload);
        await using var proxy = Peer.StartProxy(server, TimeSpan.Zero);

        using (var socket = await Peer.ConnectAsync(proxy))
        {
            await socket.SendAsync(new byte[123], SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
            var (received, _) = await Peer.ReadToEndAsync(socket);
            Assert.Equal(payload, received);
        }

        await Peer.WaitUntilAsync(() => proxy.GetStatistics().ConnectionsOpen == 0, "the connection closed");
        var statistics = proxy.GetStatistics();
        Assert.Equal(123, statistics.Bytes(ProxyDirection.ClientToServer));
        Assert.Equal(payload.Length, statistics.Bytes(ProxyDirection.ServerToClient));
        Assert.Equal(1, statistics.ConnectionsAccepted);
    }

    [Fact]
    public async Task Delay_HoldsBytesForHalfTheRoundTrip_WithFakeTime()
    {
        var time = new FakeTimeProvider();
        await using var server = TestServer.Passive();
        await using var proxy = Peer.StartProxy(server, TimeSpan.FromMilliseconds(100), time);
        using var client = await Peer.ConnectAsync(proxy);
        using var guard = new CancellationTokenSource(Peer.HangGuard);
        using var backend = await server.Accepted.Reader.ReadAsync(guard.Token);

        await client.SendAsync("hello"u8.ToArray(), SocketFlags.None);
        await Peer.WaitUntilAsync(() => proxy.BytesReceived(ProxyDirection.ClientToServer) == 5, "the proxy read the bytes");

        time.Advance(TimeSpan.FromMilliseconds(49));
        await Task.Delay(50);
        Assert.Equal(0, proxy.GetStatistics().BytesClientToServer);
        Assert.Equal(0, backend.Available);

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("hello"u8.ToArray(), await Peer.ReadExactlyAsync(backend, 5));
    }

    [Fact]
    public async Task Delay_KeepsReadingWhileEarlierChunksWait_WithFakeTime()
    {
        // The proxy must not serialize the stream: with time frozen, it keeps accepting bytes
        // (up to its buffer) although none may be released yet — a link with bytes in flight.
        var time = new FakeTimeProvider();
        await using var server = TestServer.Passive();
        await using var proxy = Peer.StartProxy(server, TimeSpan.FromMilliseconds(10), time);
        using var client = await Peer.ConnectAsync(proxy);
        using var guard = new CancellationTokenSource(Peer.HangGuard);
        using var backend = await server.Accepted.Reader.ReadAsync(guard.Token);
        var data = Peer.RandomBytes(3 * 1024 * 1024, seed: 3);

        for (var offset = 0; offset < data.Length; offset += 64 * 1024)
        {
            await client.SendAsync(data.AsMemory(offset, 64 * 1024), SocketFlags.None);
        }

        await Peer.WaitUntilAsync(() => proxy.BytesReceived(ProxyDirection.ClientToServer) == data.Length, "all chunks are in flight");
        Assert.Equal(0, proxy.GetStatistics().BytesClientToServer);

        time.Advance(TimeSpan.FromMilliseconds(5));
        Assert.Equal(data, await Peer.ReadExactlyAsync(backend, data.Length));
    }

    [Fact]
    public async Task Delay_RoundTripTakesAtLeastTheRtt_WithRealTime()
    {
        await using var server = TestServer.Echo();
        await using var proxy = Peer.StartProxy(server, TimeSpan.FromMilliseconds(40));
        using var client = await Peer.ConnectAsync(proxy);

        for (var i = 0; i < 5; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            await client.SendAsync(new byte[] { (byte)i }, SocketFlags.None);
            Assert.Equal(new[] { (byte)i }, await Peer.ReadExactlyAsync(client, 1));

            // Timers tick in whole milliseconds and the proxy rounds to the nearest: allow 1 ms per direction.
            Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(38), $"round trip {stopwatch.Elapsed.TotalMilliseconds} ms");
        }
    }

    [Fact]
    public async Task Bandwidth_PacesTheStream()
    {
        var payload = Peer.RandomBytes(100_000, seed: 11);
        await using var server = TestServer.Sending(payload);
        await using var proxy = LatencyProxy.Start(new LatencyProxyOptions
        {
            TargetEndPoint = server.EndPoint,
            RoundTripTime = TimeSpan.Zero,
            BandwidthBytesPerSecond = 200_000,
        });
        using var client = await Peer.ConnectAsync(proxy);

        var stopwatch = Stopwatch.StartNew();
        var (received, _) = await Peer.ReadToEndAsync(client);

        Assert.Equal(payload, received);
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromSeconds(0.45), $"100 kB at 200 kB/s took {stopwatch.Elapsed.TotalSeconds} s");
    }

    [Fact]
    public async Task Port_IsTheBoundPort_WhenZeroWasAsked()
    {
        await using var server = TestServer.Echo();
        await using var proxy = Peer.StartProxy(server, TimeSpan.Zero);

        Assert.NotEqual(0, proxy.Port);
        Assert.Equal(IPAddress.Loopback, proxy.EndPoint.Address);
    }

    [Theory]
    [InlineData("10.0.0.1", "127.0.0.1")]
    [InlineData("127.0.0.1", "192.168.1.1")]
    [InlineData("127.0.0.1", "0.0.0.0")]
    public void Start_Throws_WhenAnAddressIsNotLoopback(string listen, string target)
    {
        var options = new LatencyProxyOptions
        {
            ListenEndPoint = new IPEndPoint(IPAddress.Parse(listen), 0),
            TargetEndPoint = new IPEndPoint(IPAddress.Parse(target), 9),
        };

        var exception = Assert.Throws<ArgumentException>(() => LatencyProxy.Start(options));
        Assert.Contains("loopback", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisposeAsync_ResetsOpenConnections_StopsListening_AndIsSafeToRepeat()
    {
        await using var server = TestServer.Echo();
        var proxy = Peer.StartProxy(server, TimeSpan.Zero);
        var clients = new List<Socket>();
        for (var i = 0; i < 3; i++)
        {
            clients.Add(await Peer.ConnectAsync(proxy));
        }

        await Peer.WaitUntilAsync(() => proxy.GetStatistics().ConnectionsOpen == 3, "three connections are open");
        var endPoint = proxy.EndPoint;

        await proxy.DisposeAsync();
        await proxy.DisposeAsync();

        Assert.Equal(0, proxy.GetStatistics().ConnectionsOpen);
        foreach (var client in clients)
        {
            var (data, _) = await Peer.ReadToEndAsync(client);
            Assert.Empty(data);
            client.Dispose();
        }

        using var late = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(async () => await late.ConnectAsync(endPoint));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task Start_StopsTheProxy_WhenTheTokenIsCancelled()
    {
        await using var server = TestServer.Echo();
        using var cancellation = new CancellationTokenSource();
        await using var proxy = LatencyProxy.Start(new LatencyProxyOptions { TargetEndPoint = server.EndPoint }, cancellation.Token);
        using var client = await Peer.ConnectAsync(proxy);

        await cancellation.CancelAsync();

        var (data, _) = await Peer.ReadToEndAsync(client);
        Assert.Empty(data);
        await Peer.WaitUntilAsync(() => proxy.GetStatistics().ConnectionsOpen == 0, "the connection closed");
    }
}
