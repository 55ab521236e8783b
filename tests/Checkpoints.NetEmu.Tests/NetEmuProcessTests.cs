using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;

namespace Checkpoints.NetEmu.Tests;

/// <summary>The console as bench/netfs.sh runs it: a process of its own, asked for its statistics with SIGUSR1.</summary>
public sealed class NetEmuProcessTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("netemu-process-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Sigusr1_WritesASnapshot_AndKeepsForwarding_AndSigterm_WritesTheFinalOne()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // the signal numbers and `kill` below are Linux's; the proxy is used on Linux only
        }

        await using var server = TestServer.Echo();
        var statsPath = Path.Combine(_folder, "stats.json");
        var proxyDll = typeof(StatisticsFile).Assembly.Location;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[proxyDll, "--target", server.EndPoint.ToString(), "--rtt", "1ms", "--stats", statsPath])
        {
            start.ArgumentList.Add(argument);
        }

        using var proxy = Process.Start(start)!;
        try
        {
            var port = int.Parse(await proxy.StandardOutput.ReadLineAsync() ?? "-1", CultureInfo.InvariantCulture);
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync("127.0.0.1", port);
            await client.SendAsync(new byte[100], SocketFlags.None);
            await Peer.ReadExactlyAsync(client, 100);

            var first = await RequestSnapshotAsync(proxy, statsPath, previous: 0, expectedServerToClient: 100);
            Assert.False(first.GetProperty("final").GetBoolean());
            Assert.Equal(1, first.GetProperty("connectionsOpen").GetInt32());

            // Still forwarding after the signal; the next snapshot counts the new bytes.
            await client.SendAsync(new byte[50], SocketFlags.None);
            await Peer.ReadExactlyAsync(client, 50);
            var second = await RequestSnapshotAsync(proxy, statsPath, first.GetProperty("sequence").GetInt64(), expectedServerToClient: 150);
            Assert.False(second.GetProperty("final").GetBoolean());

            Signal(proxy, "TERM");
            Assert.True(proxy.WaitForExit(Peer.HangGuard), "the proxy stops on SIGTERM");
            Assert.Equal(0, proxy.ExitCode);
            var last = await SnapshotAsync(statsPath, second.GetProperty("sequence").GetInt64() + 1);
            Assert.True(last.GetProperty("final").GetBoolean());
            Assert.Equal(150, last.GetProperty("bytesServerToClient").GetInt64());
            Assert.Equal(150, last.GetProperty("bytesClientToServer").GetInt64());
        }
        finally
        {
            if (!proxy.HasExited)
            {
                proxy.Kill();
            }
        }
    }

    /// <summary>
    /// Sends SIGUSR1 until a snapshot counts <paramref name="expectedServerToClient"/> bytes: the proxy counts a send when
    /// it completes, which can be just after the peer has read the bytes.
    /// </summary>
    private static async Task<JsonElement> RequestSnapshotAsync(Process proxy, string path, long previous, long expectedServerToClient)
    {
        for (var attempt = 1; ; attempt++)
        {
            Signal(proxy, "USR1");
            var snapshot = await SnapshotAsync(path, ++previous);
            var bytes = snapshot.GetProperty("bytesServerToClient").GetInt64();
            if (bytes == expectedServerToClient || attempt == 50)
            {
                Assert.Equal(expectedServerToClient, bytes);
                return snapshot;
            }

            await Task.Delay(10);
        }
    }

    private static void Signal(Process process, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Waits until the file holds the snapshot numbered <paramref name="sequence"/>.</summary>
    private static async Task<JsonElement> SnapshotAsync(string path, long sequence)
    {
        JsonElement? found = null;
        await Peer.WaitUntilAsync(() =>
        {
            if (!File.Exists(path))
            {
                return false;
            }

            using var document = JsonDocument.Parse(File.ReadAllText(path));
            if (document.RootElement.GetProperty("sequence").GetInt64() != sequence)
            {
                return false;
            }

            found = document.RootElement.Clone();
            return true;
        }, $"snapshot {sequence} is written");
        return found!.Value;
    }
}
