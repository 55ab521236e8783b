using System.CommandLine;

namespace Checkpoints.Cli.Telemetry;

/// <summary>
/// What the command line asks to export, and where: the options only. The OTEL_* environment variables are left to
/// the OpenTelemetry SDK, which reads them itself; an option set here overrides the variable it corresponds to.
/// </summary>
/// <param name="Otlp">Export over OTLP (<c>--otlp</c>, or any other <c>--otlp-*</c> option).</param>
/// <param name="Endpoint"><c>--otlp-endpoint</c>: the collector's base URL, or null for the SDK's (the variables, else localhost).</param>
/// <param name="Protocol"><c>--otlp-protocol</c>: <see cref="TelemetryOptions.HttpProtobuf"/> or <see cref="TelemetryOptions.Grpc"/>, or null for the variables, else http/protobuf.</param>
/// <param name="Console"><c>--otel-console</c>: write what would be exported to standard error.</param>
internal sealed record ExportSettings(bool Otlp, Uri? Endpoint, string? Protocol, bool Console)
{
    public bool Any => Otlp || Console;

    public static ExportSettings From(ParseResult result)
    {
        var endpoint = result.GetValue(TelemetryOptions.OtlpEndpoint) is { } text ? ParseEndpoint(text) : null;
        var protocol = result.GetValue(TelemetryOptions.OtlpProtocol);
        var otlp = result.GetValue(TelemetryOptions.Otlp) || endpoint is not null || protocol is not null;
        return new ExportSettings(otlp, endpoint, protocol, result.GetValue(TelemetryOptions.OtelConsole));
    }

    /// <summary>An absolute http or https URL, or null.</summary>
    public static Uri? ParseEndpoint(string text) =>
        Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0 ? uri : null;
}
