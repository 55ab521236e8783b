using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;

namespace Checkpoints.NetEmu;

/// <summary>
/// The console: starts a <see cref="LatencyProxy"/>, prints the bound port as the first line of
/// standard output (scripts read it), and runs until SIGINT or SIGTERM.
/// </summary>
internal static class NetEmuCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var listen = new Option<IPEndPoint>("--listen")
        {
            Description = "Loopback address and port to listen on; port 0 picks a free one.",
            DefaultValueFactory = _ => new IPEndPoint(IPAddress.Loopback, 0),
            CustomParser = ParseEndPoint,
        };
        var target = new Option<IPEndPoint>("--target")
        {
            Description = "Loopback address and port to forward each connection to.",
            Required = true,
            CustomParser = ParseEndPoint,
        };
        var rtt = new Option<TimeSpan>("--rtt")
        {
            Description = "Round-trip time to add, e.g. 2ms, 500us, 0.",
            DefaultValueFactory = _ => TimeSpan.FromMilliseconds(2),
            CustomParser = result => Units.TryParseDuration(Single(result), out var value) ? value : Fail<TimeSpan>(result, "a duration like 2ms, 500us or 0"),
        };
        var bandwidth = new Option<long?>("--bandwidth")
        {
            Description = "Cap each direction (shared by all connections), e.g. 1GB/s, 100MiB/s. Default: unlimited.",
            CustomParser = result => Units.TryParseBytesPerSecond(Single(result), out var value) ? value : Fail<long?>(result, "a rate like 1GB/s or 100MiB/s"),
        };

        var stats = new Option<FileInfo?>("--stats")
        {
            Description = "Write the bytes carried so far to this file as JSON on SIGUSR1 and when stopping (written whole: a temporary file renamed over it).",
        };

        var root = new RootCommand("Latency-injecting TCP proxy on loopback: emulates a network link for benchmarks and tests.")
        {
            listen, target, rtt, bandwidth, stats,
        };
        root.SetAction(async (parseResult, token) =>
        {
            var options = new LatencyProxyOptions
            {
                ListenEndPoint = parseResult.GetValue(listen)!,
                TargetEndPoint = parseResult.GetValue(target)!,
                RoundTripTime = parseResult.GetValue(rtt),
                BandwidthBytesPerSecond = parseResult.GetValue(bandwidth),
            };

            LatencyProxy proxy;
            try
            {
                proxy = LatencyProxy.Start(options, CancellationToken.None);
            }
            catch (Exception exception) when (exception is ArgumentException or System.Net.Sockets.SocketException)
            {
                await error.WriteLineAsync($"netemu: {exception.Message}").ConfigureAwait(false);
                return 1;
            }

            var statisticsFile = parseResult.GetValue(stats) is { } file ? new StatisticsFile(file.FullName) : null;
            await using (proxy.ConfigureAwait(false))
            using (statisticsFile is null ? null : RegisterSnapshotSignal(() => WriteSnapshot(statisticsFile, proxy, final: false, error)))
            {
                await output.WriteLineAsync(proxy.Port.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
                await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                await error.WriteLineAsync(
                    $"netemu: {proxy.EndPoint} -> {options.TargetEndPoint}, rtt {options.RoundTripTime.TotalMilliseconds} ms, "
                    + $"bandwidth {(options.BandwidthBytesPerSecond is { } b ? $"{b} B/s" : "unlimited")}").ConfigureAwait(false);
                try
                {
                    await Task.Delay(Timeout.Infinite, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // SIGINT / SIGTERM: fall through to a clean shutdown.
                }

                var statistics = proxy.GetStatistics();
                if (statisticsFile is not null)
                {
                    WriteSnapshot(statisticsFile, proxy, final: true, error);
                }

                await error.WriteLineAsync(
                    $"netemu: stopped; connections {statistics.ConnectionsAccepted}, "
                    + $"client->server {statistics.BytesClientToServer} B, server->client {statistics.BytesServerToClient} B").ConfigureAwait(false);
            }

            return 0;
        });

        // Our own signal handling rather than System.CommandLine's: SIGTERM must end in a clean
        // shutdown (connections closed, statistics printed), never in the runtime's default exit.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Stop(context, stop));
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Stop(context, stop));
        var configuration = new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null };
        return await root.Parse(args).InvokeAsync(configuration, stop.Token).ConfigureAwait(false);
    }

    /// <summary>SIGUSR1 asks for a snapshot of the statistics; null where there is no such signal (Windows).</summary>
    private static PosixSignalRegistration? RegisterSnapshotSignal(Action snapshot)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        // PosixSignal names only the portable signals; a raw number is accepted on Unix. SIGUSR1 is 10 on Linux, 30 on
        // macOS and the BSDs.
        var sigusr1 = (PosixSignal)(OperatingSystem.IsLinux() ? 10 : 30);
        return PosixSignalRegistration.Create(sigusr1, context =>
        {
            context.Cancel = true;
            snapshot();
        });
    }

    // A snapshot that cannot be written is reported, never fatal: the proxy goes on carrying the link.
    private static void WriteSnapshot(StatisticsFile file, LatencyProxy proxy, bool final, TextWriter error)
    {
        try
        {
            file.Write(proxy.GetStatistics(), final);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"netemu: cannot write the statistics to {file.Path}: {exception.Message}");
        }
    }

    private static void Stop(PosixSignalContext context, CancellationTokenSource stop)
    {
        context.Cancel = true;
        stop.Cancel();
    }

    private static string Single(ArgumentResult result) => result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;

    private static T Fail<T>(ArgumentResult result, string expected)
    {
        result.AddError($"Expected {expected}, got '{Single(result)}'.");
        return default!;
    }

    private static IPEndPoint ParseEndPoint(ArgumentResult result)
    {
        var text = Single(result);
        if (IPEndPoint.TryParse(text, out var endPoint) && text.Contains(':', StringComparison.Ordinal))
        {
            return endPoint;
        }

        result.AddError($"Expected ADDRESS:PORT such as 127.0.0.1:0, got '{text}'.");
        return null!;
    }
}
