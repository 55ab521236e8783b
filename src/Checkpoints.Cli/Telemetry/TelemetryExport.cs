using System.Diagnostics;
using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Checkpoints.Cli.Telemetry;

/// <summary>
/// OpenTelemetry providers subscribed to the library's meter and activity source for the length of one command, and
/// their flush at its end. A command may last 50 ms, so nothing is left to the periodic exports: <see cref="Finish"/>
/// sends what is pending, waiting at most <see cref="FlushLimit"/>, and says in one warning line when that failed.
/// The command's exit code never depends on the export.
/// </summary>
internal sealed class TelemetryExport : IDisposable
{
    /// <summary>
    /// How long the end of a command may wait for the collector. A collector on the node or in the cluster answers in
    /// milliseconds; one that does not answer in 3 s is not worth holding a pod's start-up longer for.
    /// </summary>
    public static readonly TimeSpan FlushLimit = TimeSpan.FromSeconds(3);

    private static readonly string? Version = typeof(TelemetryExport).Assembly.GetName().Version?.ToString(3);

    /// <summary>Bucket bounds for the library's histograms in seconds; the SDK's defaults suit milliseconds.</summary>
    private static readonly double[] SecondsBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

    private readonly ExportFailures _failures;
    private readonly TracerProvider _tracing;
    private readonly MeterProvider _metrics;
    private readonly TextWriter? _standardOutput;
    private string? _destination;

    private TelemetryExport(ExportSettings settings, TextWriter diagnostics)
    {
        // Before the providers, so that a variable the exporter cannot use, reported while they are built, is caught too.
        _failures = new ExportFailures();
        if (settings.Console)
        {
            // The SDK's console exporter writes to Console.Out, which is the command's own output (a --json document,
            // a report piped on). The command's writers were made already and keep standard output; the exporter's
            // text goes where diagnostics go.
            _standardOutput = Console.Out;
            Console.SetOut(diagnostics);
        }

        var resource = ResourceBuilder.CreateEmpty()
            .AddService("ckpt", serviceVersion: Version)
            .AddTelemetrySdk()
            // Last, so that OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the defaults above.
            .AddEnvironmentVariableDetector();

        var tracing = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(resource).AddSource(CheckpointTelemetry.ActivitySourceName);
        var metrics = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter(CheckpointTelemetry.MeterName)
            .AddView(static instrument => instrument is Histogram<double> or Histogram<long> && instrument.Unit == "s"
                ? new ExplicitBucketHistogramConfiguration { Boundaries = SecondsBuckets }
                : null);
        if (settings.Otlp)
        {
            // Not "_destination ??= Configure(...)": that would skip configuring the second signal.
            tracing.AddOtlpExporter(options => Remember(Configure(options, settings, "traces")));
            metrics.AddOtlpExporter(options => Remember(Configure(options, settings, "metrics")));
        }

        if (settings.Console)
        {
            tracing.AddConsoleExporter();
            metrics.AddConsoleExporter();
        }

        _tracing = tracing.Build();
        _metrics = metrics.Build();
    }

    private void Remember(string destination) => _destination ??= destination;

    /// <summary>Starts exporting as <paramref name="settings"/> ask, or returns null when they ask for nothing.</summary>
    /// <param name="settings">What to export, and where.</param>
    /// <param name="diagnostics">Standard error: where <c>--otel-console</c> writes.</param>
    public static TelemetryExport? Start(ExportSettings settings, TextWriter diagnostics) =>
        settings.Any ? new TelemetryExport(settings, diagnostics) : null;

    /// <summary>
    /// Sends what is pending and shuts the providers down, within <see cref="FlushLimit"/>; writes one warning line to
    /// <paramref name="error"/> if the exporter reported a problem or did not finish in time.
    /// </summary>
    public void Finish(TextWriter error)
    {
        var limit = (int)FlushLimit.TotalMilliseconds;
        var stopwatch = Stopwatch.StartNew();
        // Side by side, so that a collector that hangs on the traces does not leave the metrics no time. Shutdown
        // exports what is left (spans queued, one last collection of the metrics) and stops the exporters' threads.
        // On threads of their own (LongRunning), not the pool's: the exporters' synchronous HTTP sends need pool threads
        // for their socket completions, and two pool threads blocked here on a 2-core machine starved them until the
        // pool grew (0.6-1 s, against 0.15 s).
        var tracing = Task.Factory.StartNew(() => _tracing.Shutdown(limit), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var metrics = Task.Factory.StartNew(() => _metrics.Shutdown(limit), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        // A little longer than the limit: the providers keep to it themselves; this only guards against one that does not.
        var finished = Task.WaitAll([tracing, metrics], limit + 500);
        // A shutdown that used (nearly) all its time ran out of it; the SDK then cancels the request in flight and
        // reports the cancellation as a failure, which would hide the real story: the collector did not answer in time.
        var timedOut = !finished || stopwatch.Elapsed >= FlushLimit - TimeSpan.FromMilliseconds(250);
        if (!timedOut)
        {
            _tracing.Dispose();
            _metrics.Dispose();
        }

        // Not disposed otherwise: an exporter's thread may still be in a request, disposing could wait for it again,
        // and those are background threads, which the process's exit ends.
        var destination = _destination ?? "the console";
        if (timedOut)
        {
            error.WriteLine($"ckpt: warning: telemetry export to {destination} did not finish within {FlushLimit.TotalSeconds:0} s; some metrics or traces were not sent; check the collector and --otlp-endpoint or OTEL_EXPORTER_OTLP_ENDPOINT");
        }
        else if (_failures.First is { } failure)
        {
            error.WriteLine($"ckpt: warning: telemetry export to {destination} failed ({failure}); the command's result stands; check the collector and --otlp-endpoint or OTEL_EXPORTER_OTLP_ENDPOINT");
        }
        else if (!tracing.Result || !metrics.Result)
        {
            error.WriteLine($"ckpt: warning: telemetry export to {destination} failed (the exporter gave no reason); some metrics or traces were not sent; check the collector and --otlp-endpoint or OTEL_EXPORTER_OTLP_ENDPOINT");
        }
    }

    /// <summary>Gives standard output back and stops listening to the exporter; <see cref="Finish"/> comes first.</summary>
    public void Dispose()
    {
        if (_standardOutput is not null)
        {
            Console.SetOut(_standardOutput);
        }

        _failures.Dispose();
    }

    /// <summary>Applies the options over what the SDK read from the variables; returns the collector's address, for the warning.</summary>
    private static string Configure(OtlpExporterOptions options, ExportSettings settings, string signal)
    {
        if (settings.Protocol is { } protocol)
        {
            options.Protocol = Protocol(protocol);
        }
        else if (!ProtocolVariableSet(signal))
        {
            // The SDK defaults to gRPC on .NET; the specification recommends http/protobuf, which every collector
            // serves and plain HTTP proxies pass.
            options.Protocol = OtlpExportProtocol.HttpProtobuf;
        }

        if (settings.Endpoint is { } endpoint)
        {
            // Set in code, the SDK takes an endpoint as the full URL; --otlp-endpoint is a base URL, as the variable is.
            options.Endpoint = options.Protocol == OtlpExportProtocol.HttpProtobuf
                ? new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/v1/" + signal)
                : endpoint;
            return endpoint.AbsoluteUri;
        }

        return options.Endpoint.AbsoluteUri;
    }

    private static bool ProtocolVariableSet(string signal) =>
        !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL")) ||
        !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable($"OTEL_EXPORTER_OTLP_{signal.ToUpperInvariant()}_PROTOCOL"));

    private static OtlpExportProtocol Protocol(string name) => name switch
    {
        TelemetryOptions.Grpc => OtlpExportProtocol.Grpc,
        _ => OtlpExportProtocol.HttpProtobuf,
    };
}
