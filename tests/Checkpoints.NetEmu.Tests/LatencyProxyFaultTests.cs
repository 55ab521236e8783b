using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;

namespace Checkpoints.NetEmu.Tests;

public sealed class LatencyProxyFaultTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(300_000)]
    public async Task DropConnectionsAfterBytes_ClientSeesExactlyThoseBytes_ThenTheConnectionEnds(int budget)
    {
        var payload = Peer.RandomBytes(1024 * 1024, seed: budget);
        await using var server = TestServer.Sending(payload);
        await using var proxy = Peer.StartProxy(server, TimeSpan.FromMilliseconds(1));
        proxy.DropConnectionsAfterBytes(budget, ProxyDirection.ServerToClient);

        var client = await Peer.ConnectAsync(proxy);
        var (received, _) = await Peer.ReadToEndAsync(client);
        client.Dispose();

        Assert.Equal(budget, received.Length);
        Assert.True(payload.AsSpan(0, budget).SequenceEqual(received));
        await Peer.WaitUntilAsync(() => proxy.GetStatistics().ConnectionsOpen == 0, "the connection was dropped");
        Assert.Equal(budget, proxy.GetStatistics().BytesServerToClient);
    }

    [Fact]
    public async Task DropConnectionsAfterBytes_IsOneShot_NextConnectionCarriesEverything()
    {
        var payload = Peer.RandomBytes(200_000, seed: 5);
        await using var server = TestServer.Sending(payload);
        await using var proxy = Peer.StartProxy(server, TimeSpan.Zero);
        proxy.DropConnectionsAfterBytes(10_000);

        using (var first = await Peer.ConnectAsync(proxy))
        {
            Assert.Equal(10_000, (await Peer.ReadToEndAsync(first)).Data.Length);
        }

        using var second = await Peer.ConnectAsync(proxy);
        Assert.Equal(payload, (await Peer.ReadToEndAsync(second)).Data);
    }

    [Fact]
    public async Task DropConnectionsAfterBytes_CountsBothDirections_WhenNoDirectionIsGiven()
    {
        await using var server = TestServer.Echo();
        await using var proxy = Peer.StartProxy(server, TimeSpan.Zero);
        using var client = await Peer.ConnectAsync(proxy);
        proxy.DropConnectionsAfterBytes(150);

        // 100 bytes up, echoed 100 back: the budget of 150 ends the echo after 50 bytes.
        await client.SendAsync(new byte[100], SocketFlags.None);
        var (received, _) = await Peer.ReadToEndAsync(client);
        client.Shutdown(SocketShutdown.Both);

        Assert.Equal(50, received.Length);
        await Peer.WaitUntilAsync(() => proxy.GetStatistics().ConnectionsOpen == 0, "the connection was dropped");
        var statistics = proxy.GetStatistics();
        Assert.Equal(100, statistics.BytesClientToServer);
        Assert.Equal(50, statistics.BytesServerToClient);
    }

    [Fact]
    public async Task DropConnectionsAfter_DropsOnlyWhenTheTimeHasPassed_WithFakeTime()
    {
        var time = new FakeTimeProvider();
        await using var server = TestServer.Echo();
        await using var proxy = Peer.StartProxy(server, TimeSpan.Zero, time);
        using var client = await Peer.ConnectAsync(proxy);
        proxy.DropConnectionsAfter(TimeSpan.FromSeconds(10));

        time.Advance(TimeSpan.FromSeconds(9));
        await client.SendAsync(new byte[] { 42 }, SocketFlags.None);
        Assert.Equal(new byte[] { 42 }, await Peer.ReadExactlyAsync(client, 1));

        time.Advance(TimeSpan.FromSeconds(1));
        var (rest, _) = await Peer.ReadToEndAsync(client);
        Assert.Empty(rest);
        await Peer.WaitUntilAsync(() => proxy.GetStatistics().ConnectionsOpen == 0, "the connection was dropped");
    }

    [Fact]
    public async Task DropConnections_EndsEveryOpenConnection_AndAcceptsNewOnes()
    {
        await using var server = TestServer.Echo();
        await using var proxy = Peer.StartProxy(server, TimeSpan.Zero);
        using var first = await Peer.ConnectAsync(proxy);
        using var second = await Peer.ConnectAsync(proxy);
        await Peer.WaitUntilAsync(() => proxy.GetStatistics().ConnectionsOpen == 2, "two connections are open");

        proxy.DropConnections();

        Assert.Empty((await Peer.ReadToEndAsync(first)).Data);
        Assert.Empty((await Peer.ReadToEndAsync(second)).Data);
        using var third = await Peer.ConnectAsync(proxy);
        await third.SendAsync(new byte[] { 7 }, SocketFlags.None);
        Assert.Equal(new byte[] { 7 }, await Peer.ReadExactlyAsync(third, 1));
    }

    [Theory]
    [InlineData(ProxyDirection.ClientToServer)]
    [InlineData(ProxyDirection.ServerToClient)]
    public async Task Stall_ForwardsNothing_UntilResumed_ThenEverythingArrivesInOrder(ProxyDirection direction)
    {
        await using var server = TestServer.Echo();
        await using var proxy = Peer.StartProxy(server, TimeSpan.Zero);
        using var client = await Peer.ConnectAsync(proxy);
        var data = Peer.RandomBytes(100_000, seed: 9);
        var bytesBefore = proxy.GetStatistics().Bytes(direction);

        proxy.Stall(direction);
        await client.SendAsync(data, SocketFlags.None);
        await Peer.WaitUntilAsync(() => proxy.BytesReceived(direction) == data.Length, "the stalled direction holds all bytes");

        Assert.Equal(bytesBefore, proxy.GetStatistics().Bytes(direction));
        Assert.Equal(0, client.Available);
        Assert.Equal(1, proxy.GetStatistics().ConnectionsOpen);

        proxy.Resume(direction);
        Assert.Equal(data, await Peer.ReadExactlyAsync(client, data.Length));
        // Counters move once a send completes, which may be just after the peer already has the bytes.
        await Peer.WaitUntilAsync(() => proxy.GetStatistics().Bytes(direction) == data.Length, "the counter caught up");
    }

    [Fact]
    public async Task Throttle_LetsAlmostNothingThrough_ThenUnthrottledBytesArriveIntact()
    {
        await using var server = TestServer.Echo();
        await using var proxy = Peer.StartProxy(server, TimeSpan.Zero);
        using var client = await Peer.ConnectAsync(proxy);
        var data = Peer.RandomBytes(1000, seed: 13);

        proxy.SetBandwidth(ProxyDirection.ServerToClient, 1);
        var stopwatch = Stopwatch.StartNew();
        await client.SendAsync(data, SocketFlags.None);
        await Peer.WaitUntilAsync(() => proxy.BytesReceived(ProxyDirection.ServerToClient) == data.Length, "the echo reached the proxy");
        await Task.Delay(300);

        // At one byte a second (the first slice goes at once), no more than 2 + elapsed seconds bytes got through.
        var forwarded = proxy.GetStatistics().BytesServerToClient;
        Assert.True(forwarded <= 2 + (long)stopwatch.Elapsed.TotalSeconds, $"{forwarded} bytes in {stopwatch.Elapsed.TotalSeconds} s");

        proxy.SetBandwidth(ProxyDirection.ServerToClient, null);
        Assert.Equal(data, await Peer.ReadExactlyAsync(client, data.Length));
    }
}
