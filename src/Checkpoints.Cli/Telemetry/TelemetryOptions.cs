using System.CommandLine;

namespace Checkpoints.Cli.Telemetry;

/// <summary>
/// The root options that send the library's metrics and traces to an OpenTelemetry collector (OTLP) or, for debugging,
/// to standard error. Recursive, so they may follow the command (<c>ckpt load DIR --otlp</c>) like <c>--metrics</c>.
/// </summary>
internal static class TelemetryOptions
{
    public const string HttpProtobuf = "http/protobuf";
    public const string Grpc = "grpc";

    public static readonly Option<bool> Otlp = new("--otlp")
    {
        Description = "Export the library's metrics and traces over OTLP to OTEL_EXPORTER_OTLP_ENDPOINT, else http://localhost:4318 " +
            "(the other OTEL_* variables apply too); an unreachable collector costs at most 3 s and a warning.",
        Recursive = true,
    };

    // A separate option, not an optional value of --otlp: "ckpt load --otlp /models/x" must not take the path for a URL.
    public static readonly Option<string?> OtlpEndpoint = new("--otlp-endpoint")
    {
        Description = "The collector's base URL, as OTEL_EXPORTER_OTLP_ENDPOINT (which it overrides): http://collector:4318 " +
            "(/v1/metrics and /v1/traces are appended for http/protobuf). Implies --otlp.",
        HelpName = "url",
        Recursive = true,
    };

    public static readonly Option<string?> OtlpProtocol = new("--otlp-protocol")
    {
        Description = "http/protobuf (the default) or grpc; overrides OTEL_EXPORTER_OTLP_PROTOCOL. Implies --otlp.",
        HelpName = "http/protobuf|grpc",
        Recursive = true,
    };

    public static readonly Option<bool> OtelConsole = new("--otel-console")
    {
        Description = "Write the spans and metrics OpenTelemetry would export to standard error, as text (debugging; no collector needed).",
        Recursive = true,
    };

    public static IEnumerable<Option> All => [Otlp, OtlpEndpoint, OtlpProtocol, OtelConsole];

    static TelemetryOptions()
    {
        OtlpEndpoint.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && ExportSettings.ParseEndpoint(text) is null)
            {
                result.AddError($"--otlp-endpoint: '{text}' is not an http:// or https:// URL; give the collector's address, e.g. http://localhost:4318");
            }
        });
        OtlpProtocol.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && text is not (HttpProtobuf or Grpc))
            {
                result.AddError($"--otlp-protocol: '{text}' is not a protocol; use {HttpProtobuf} or {Grpc}");
            }
        });
    }
}
