using System.Globalization;
using System.Text.Json.Serialization;
using Checkpoints.Cli.Commands;

namespace Checkpoints.Cli.Output;

/// <summary><c>ckpt load --json</c>.</summary>
internal sealed record LoadDocument(
    double Seconds,
    double OpenSeconds,
    long Bytes,
    double BytesPerSecond,
    double CpuSeconds,
    long PeakRssBytes,
    long PrefetchedBytes,
    string Digest,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? InMemoryBytesPerSecond,
    LoadPlanJson Plan)
{
    public static LoadDocument From(LoadCommand.Outcome outcome)
    {
        var seconds = outcome.Total.TotalSeconds;
        return new(
            seconds,
            outcome.Open.TotalSeconds,
            outcome.Bytes,
            outcome.Bytes / Math.Max(seconds, 1e-9),
            outcome.CpuTime.TotalSeconds,
            outcome.PeakRssBytes,
            outcome.PrefetchedBytes,
            outcome.Digest.ToString("x16", CultureInfo.InvariantCulture),
            outcome.InMemoryBytesPerSecond,
            LoadPlanJson.From(outcome.Plan));
    }
}
