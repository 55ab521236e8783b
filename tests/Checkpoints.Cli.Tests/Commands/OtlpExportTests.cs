using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Checkpoints.Cli.Tests.TestSupport;
using Checkpoints.Format;
using Checkpoints.Synthesis;

namespace Checkpoints.Cli.Tests.Commands;

/// <summary>
/// <c>--otlp</c> and friends, against a loopback receiver that records what arrives: the real <c>ckpt</c> in a process
/// of its own (the meter, the activity source and the console are process-wide), each run short, so what these tests
/// see is what the flush at the end sent.
/// </summary>
public sealed class OtlpExportTests : IDisposable
{
    /// <summary>Long enough for a start on a busy machine; a run that waited for an exporter's own timeout would pass it.</summary>
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(40);

    private readonly string _directory = Directory.CreateTempSubdirectory("ckpt-otlp-").FullName;

    public OtlpExportTests() => SyntheticCheckpoint.Write(_directory, 2L << 20, 2, DType.BF16);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Load_WithOtlpEndpoint_PostsMetricsAndTracesAsProtobuf()
    {
        using var receiver = new OtlpReceiver();

        var (exitCode, _, error) = await CkptProcess.RunAsync(Hang, [], new Dictionary<string, string>(),
            "load", _directory, "--strategy", "prefetch", "--otlp-endpoint", receiver.Endpoint);

        Assert.True(exitCode == 0, error);
        Assert.DoesNotContain("warning", error, StringComparison.Ordinal);
        var metrics = Posts(receiver, "/v1/metrics");
        var traces = Posts(receiver, "/v1/traces");
        foreach (var instrument in new[] { "checkpoints.load.bytes", "checkpoints.prefetch.bytes", "checkpoints.open.duration" })
        {
            Assert.True(metrics.Contains(instrument), $"{instrument} is not in the metrics posted");
        }

        foreach (var activity in new[] { "checkpoints.open", "checkpoints.plan", "checkpoints.prefetch" })
        {
            Assert.True(traces.Contains(activity), $"{activity} is not in the traces posted");
        }

        Assert.True(traces.Contains("ckpt"), "the default service name, ckpt, is not in the traces' resource");
    }

    [Fact]
    public async Task Prefetch_WithOtlpAndTheStandardVariables_PostsWhereTheyPointUnderTheirServiceName()
    {
        using var receiver = new OtlpReceiver();
        var environment = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = "warm-node-7",
        };

        var (exitCode, _, error) = await CkptProcess.RunAsync(Hang, [], environment, "prefetch", _directory, "--otlp");

        Assert.True(exitCode == 0, error);
        var metrics = Posts(receiver, "/v1/metrics");
        var traces = Posts(receiver, "/v1/traces");
        Assert.True(metrics.Contains("checkpoints.prefetch.bytes"), "checkpoints.prefetch.bytes is not in the metrics posted");
        Assert.True(traces.Contains("checkpoints.warm"), "checkpoints.warm is not in the traces posted");
        Assert.True(traces.Contains("warm-node-7") && metrics.Contains("warm-node-7"), "OTEL_SERVICE_NAME is not the service's name");
    }

    [Fact]
    public async Task OtlpEndpointOption_WinsOverTheVariable()
    {
        using var receiver = new OtlpReceiver();
        var environment = new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{OtlpReceiver.FreePort()}" };

        var (exitCode, _, error) = await CkptProcess.RunAsync(Hang, [], environment, "plan", _directory, "--otlp-endpoint", receiver.Endpoint);

        Assert.True(exitCode == 0, error);
        Assert.DoesNotContain("warning", error, StringComparison.Ordinal);
        Assert.True(Posts(receiver, "/v1/traces").Contains("checkpoints.plan"), "checkpoints.plan is not in the traces posted");
    }

    [Fact]
    public async Task TheVariableAlone_ExportsNothing()
    {
        using var receiver = new OtlpReceiver();
        var environment = new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint };

        var (exitCode, _, error) = await CkptProcess.RunAsync(Hang, [], environment, "plan", _directory);

        Assert.True(exitCode == 0, error);
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public async Task ClosedPort_StillSucceeds_WithOneWarning()
    {
        var endpoint = $"http://127.0.0.1:{OtlpReceiver.FreePort()}";
        var stopwatch = Stopwatch.StartNew();

        var (exitCode, output, error) = await CkptProcess.RunAsync(Hang, [], new Dictionary<string, string>(),
            "prefetch", _directory, "--otlp-endpoint", endpoint);

        Assert.True(exitCode == 0, error);
        Assert.StartsWith("warmed ", output, StringComparison.Ordinal);
        var warning = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"ckpt: warning: telemetry export to {endpoint}/ failed (", warning, StringComparison.Ordinal);
        Assert.Contains("Connection refused", warning, StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"took {stopwatch.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task CollectorThatNeverAnswers_IsGivenUpAfterTheFlushLimit_WithOneWarning()
    {
        // Accepts connections (the kernel does, from the backlog) and never answers a request.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var endpoint = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";
        // Without the flush limit the exporter would wait this long, past the test's patience.
        var environment = new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_TIMEOUT"] = "120000" };
        var stopwatch = Stopwatch.StartNew();

        var (exitCode, output, error) = await CkptProcess.RunAsync(Hang, [], environment, "plan", _directory, "--otlp-endpoint", endpoint);

        Assert.True(exitCode == 0, error);
        Assert.StartsWith("plan (", output, StringComparison.Ordinal);
        Assert.Equal($"ckpt: warning: telemetry export to {endpoint}/ did not finish within 3 s; some metrics or traces were not sent; " +
            "check the collector and --otlp-endpoint or OTEL_EXPORTER_OTLP_ENDPOINT", Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromSeconds(3), $"gave up after {stopwatch.Elapsed.TotalSeconds:0.0} s, before the limit");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(25), $"took {stopwatch.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task OtelConsole_WritesSpansToStandardError_AndLeavesTheJsonAlone()
    {
        var (exitCode, output, error) = await CkptProcess.RunAsync(Hang, [], new Dictionary<string, string>(),
            "prefetch", _directory, "--json", "--otel-console");

        Assert.True(exitCode == 0, error);
        using var document = JsonDocument.Parse(output);
        Assert.Contains("Activity.DisplayName:        checkpoints.warm", error, StringComparison.Ordinal);
        Assert.Contains("checkpoints.prefetch.bytes", error, StringComparison.Ordinal);
    }

    /// <summary>What was posted to <paramref name="path"/>: at least one request, each a protobuf POST. Usually one; a slow run may see the batch exporter's scheduled export too.</summary>
    private static Posted Posts(OtlpReceiver receiver, string path)
    {
        var requests = receiver.Requests;
        var matching = requests.Where(request => request.Path == path).ToArray();
        Assert.True(matching.Length > 0, $"nothing was posted to {path}; the receiver got: {string.Join("; ", requests)}");
        Assert.All(matching, static request => Assert.Equal("POST", request.Method));
        Assert.All(matching, static request => Assert.Equal("application/x-protobuf", request.ContentType));
        return new Posted(matching);
    }

    private sealed record Posted(OtlpReceiver.Request[] Requests)
    {
        public bool Contains(string text) => Requests.Any(request => request.Contains(text));
    }
}
