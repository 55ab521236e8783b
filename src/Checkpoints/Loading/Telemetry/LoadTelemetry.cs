using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Checkpoints.Loading.Telemetry;

/// <summary>
/// The loader's metrics and traces, .NET style: one <see cref="Meter"/> and one <see cref="ActivitySource"/>, both named
/// <see cref="Name"/>, that cost nothing until a listener (OpenTelemetry, dotnet-counters, a test) subscribes.
/// </summary>
internal static class LoadTelemetry
{
    /// <summary>The name of the meter and of the activity source.</summary>
    public const string Name = "Checkpoints";

    private static readonly string? Version = typeof(LoadTelemetry).Assembly.GetName().Version?.ToString(3);

    public static readonly ActivitySource Source = new(Name, Version);

    public static readonly Meter Meter = new(Name, Version);

    /// <summary>Opening a checkpoint: layout, headers, catalogue, storage facts and plan.</summary>
    public static readonly Histogram<double> OpenDuration = Meter.CreateHistogram<double>(
        "checkpoints.open.duration", "s", "Time to open a checkpoint: its files, headers, storage facts and plan.");

    /// <summary>Tensor bytes handed to the consumer, by the shard's strategy, access and file system class.</summary>
    public static readonly Counter<long> LoadedBytes = Meter.CreateCounter<long>(
        "checkpoints.load.bytes", "By", "Tensor bytes handed to the consumer.");

    /// <summary>Bytes the prefetcher read into the page cache, by file system class.</summary>
    public static readonly Counter<long> PrefetchedBytes = Meter.CreateCounter<long>(
        "checkpoints.prefetch.bytes", "By", "Bytes the prefetcher read into the page cache.");

    /// <summary>Waits for another process on the node that was warming the same bytes.</summary>
    public static readonly Histogram<double> PrefetchWaitDuration = Meter.CreateHistogram<double>(
        "checkpoints.prefetch.wait.duration", "s", "Time the prefetch waited for another process warming the same bytes.");

    /// <summary>Errors, by kind: the format rule broken, or the exception's type.</summary>
    public static readonly Counter<long> Errors = Meter.CreateCounter<long>(
        "checkpoints.errors", "{error}", "Errors met while opening or prefetching a checkpoint.");

    /// <summary>The kind of an error as the <c>error.type</c> tag gives it: a format rule, or the exception's type.</summary>
    public static string ErrorType(Exception exception) => exception switch
    {
        Format.CheckpointFormatException format => format.Rule.ToString(),
        _ => exception.GetType().Name,
    };
}
