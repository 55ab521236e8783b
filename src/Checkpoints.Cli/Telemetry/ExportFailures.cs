using System.Diagnostics.Tracing;

namespace Checkpoints.Cli.Telemetry;

/// <summary>
/// The first problem the OTLP exporter reported. The SDK never throws to its caller: it writes failures (collector
/// refused, timed out, answered an error, a variable it could not use) to its event source and carries on, so this
/// listens there, in process, to tell the user in one line at the end instead of exporting into the void silently.
/// </summary>
internal sealed class ExportFailures : EventListener
{
    /// <summary>The name of the exporter's <see cref="EventSource"/> (OpenTelemetryProtocolExporterEventSource).</summary>
    public const string ExporterEventSourceName = "OpenTelemetry-Exporter-OpenTelemetryProtocol";

    private string? _first;

    /// <summary>The first warning or error the exporter wrote, as one line; null when there was none.</summary>
    public string? First => Volatile.Read(ref _first);

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        // Called from the base constructor for sources that exist already, so it touches no field of this class.
        if (eventSource.Name == ExporterEventSourceName)
        {
            EnableEvents(eventSource, EventLevel.Warning);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventSource.Name == ExporterEventSourceName && eventData.Level is EventLevel.Critical or EventLevel.Error or EventLevel.Warning)
        {
            Interlocked.CompareExchange(ref _first, Describe(eventData), null);
        }
    }

    /// <summary>The event's message with its payload, cut at the first line break: the exception's stack trace is for the SDK's own diagnostics.</summary>
    internal static string Describe(EventWrittenEventArgs eventData)
    {
        var text = eventData.Message is { Length: > 0 } message && eventData.Payload is { } payload
            ? string.Format(System.Globalization.CultureInfo.InvariantCulture, message, [.. payload])
            : eventData.EventName ?? $"event {eventData.EventId}";
        var end = text.IndexOfAny(['\r', '\n']);
        return (end < 0 ? text : text[..end]).Trim();
    }
}
