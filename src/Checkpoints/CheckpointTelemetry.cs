using Checkpoints.Loading.Telemetry;

namespace Checkpoints;

/// <summary>
/// The names to subscribe to for the library's metrics and traces (for example
/// <c>AddMeter(CheckpointTelemetry.MeterName)</c> and <c>AddSource(CheckpointTelemetry.ActivitySourceName)</c> with
/// OpenTelemetry). Nothing is recorded until a listener subscribes.
/// </summary>
/// <remarks>
/// Instruments: <c>checkpoints.open.duration</c> (s; tagged <c>error.type</c> when the open failed),
/// <c>checkpoints.load.bytes</c> (tensor bytes handed out, by <c>load.strategy</c>, <c>load.access</c> and
/// <c>file_system.class</c>), <c>checkpoints.prefetch.bytes</c> (by <c>file_system.class</c>),
/// <c>checkpoints.prefetch.wait.duration</c> (s; waits for another process warming the same file, tagged
/// <c>prefetch.claimed</c>) and <c>checkpoints.errors</c> (by <c>error.type</c>, a format rule or an exception type,
/// and <c>operation</c>). Activities: <c>checkpoints.open</c>, <c>checkpoints.plan</c> (the plan's numbers as tags),
/// <c>checkpoints.prefetch</c> and <c>checkpoints.warm</c>.
/// </remarks>
public static class CheckpointTelemetry
{
    /// <summary>The name of the library's <see cref="System.Diagnostics.Metrics.Meter"/>.</summary>
    public const string MeterName = LoadTelemetry.Name;

    /// <summary>The name of the library's <see cref="System.Diagnostics.ActivitySource"/>.</summary>
    public const string ActivitySourceName = LoadTelemetry.Name;
}
