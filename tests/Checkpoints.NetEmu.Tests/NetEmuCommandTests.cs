using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;

namespace Checkpoints.NetEmu.Tests;

public sealed class NetEmuCommandTests
{
    [Fact]
    public async Task Run_PrintsTheBoundPortFirst_ForwardsThroughIt_AndStopsWhenCancelled()
    {
        await using var server = TestServer.Echo();
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        using var stop = new CancellationTokenSource();
        string[] args = ["--listen", "127.0.0.1:0", "--target", server.EndPoint.ToString(), "--rtt", "1ms", "--bandwidth", "1GB/s"];

        var run = NetEmuCommand.RunAsync(args, TextWriter.Synchronized(output), TextWriter.Synchronized(error), stop.Token);
        await Peer.WaitUntilAsync(() => output.ToString().Contains('\n', StringComparison.Ordinal) || run.IsCompleted, "the port is printed");
        var port = int.Parse(output.ToString().Split('\n')[0], CultureInfo.InvariantCulture);

        using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await client.ConnectAsync("127.0.0.1", port);
            await client.SendAsync(new byte[] { 1, 2, 3 }, SocketFlags.None);
            Assert.Equal(new byte[] { 1, 2, 3 }, await Peer.ReadExactlyAsync(client, 3));
        }

        await stop.CancelAsync();
        Assert.Equal(0, await run);
        Assert.Contains("stopped", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WithStats_WritesTheBytesCarried_WhenStopped()
    {
        await using var server = TestServer.Echo();
        var folder = Directory.CreateTempSubdirectory("netemu-stats-").FullName;
        try
        {
            var statsPath = Path.Combine(folder, "stats.json");
            var output = new StringWriter(CultureInfo.InvariantCulture);
            var error = new StringWriter(CultureInfo.InvariantCulture);
            using var stop = new CancellationTokenSource();
            string[] args = ["--target", server.EndPoint.ToString(), "--rtt", "1ms", "--stats", statsPath];

            var run = NetEmuCommand.RunAsync(args, TextWriter.Synchronized(output), TextWriter.Synchronized(error), stop.Token);
            await Peer.WaitUntilAsync(() => output.ToString().Contains('\n', StringComparison.Ordinal) || run.IsCompleted, "the port is printed");
            var port = int.Parse(output.ToString().Split('\n')[0], CultureInfo.InvariantCulture);
            using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                await client.ConnectAsync("127.0.0.1", port);
                await client.SendAsync(new byte[] { 1, 2, 3, 4, 5 }, SocketFlags.None);
                Assert.Equal(5, (await Peer.ReadExactlyAsync(client, 5)).Length);
            }

            Assert.False(File.Exists(statsPath)); // written on request (SIGUSR1) and at the stop only
            await stop.CancelAsync();
            Assert.Equal(0, await run);

            using var document = JsonDocument.Parse(await File.ReadAllTextAsync(statsPath));
            Assert.True(document.RootElement.GetProperty("final").GetBoolean());
            Assert.Equal(1, document.RootElement.GetProperty("sequence").GetInt64());
            Assert.Equal(5, document.RootElement.GetProperty("bytesClientToServer").GetInt64());
            Assert.Equal(5, document.RootElement.GetProperty("bytesServerToClient").GetInt64());
            Assert.Equal(1, document.RootElement.GetProperty("connectionsAccepted").GetInt32());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("--target", "10.1.2.3:80")]
    [InlineData("--target", "127.0.0.1:9", "--rtt", "fast")]
    [InlineData("--target", "127.0.0.1:9", "--bandwidth", "0")]
    [InlineData("--rtt", "2ms")]
    public async Task Run_Fails_OnBadArguments(params string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);

        var exitCode = await NetEmuCommand.RunAsync(args, output, error);

        Assert.NotEqual(0, exitCode);
        Assert.NotEmpty(error.ToString());
    }
}
