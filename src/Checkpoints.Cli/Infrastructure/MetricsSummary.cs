using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;

namespace Checkpoints.Cli.Infrastructure;

/// <summary>
/// <c>--metrics</c>: listens to the library's meter for the length of a command and writes one line per instrument
/// and tag set at the end: the sum of a counter, the count, total and largest value of a histogram.
/// </summary>
internal sealed class MetricsSummary : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Instrument, string Unit, string Tags, bool IsCounter), Totals> _totals = new();

    public MetricsSummary()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == CheckpointTelemetry.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    public void WriteTo(TextWriter error)
    {
        foreach (var ((instrument, unit, tags, isCounter), totals) in _totals.OrderBy(static entry => entry.Key.Instrument, StringComparer.Ordinal)
            .ThenBy(static entry => entry.Key.Tags, StringComparer.Ordinal))
        {
            var line = isCounter
                ? string.Create(CultureInfo.InvariantCulture, $"{totals.Sum:0.###} {unit}")
                : string.Create(CultureInfo.InvariantCulture, $"{totals.Count} x, total {totals.Sum:0.###} {unit}, max {totals.Max:0.###} {unit}");
            error.WriteLine(TerminalText.Escape($"ckpt: metrics: {instrument}{tags} {line}"));
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = (instrument.Name, instrument.Unit ?? string.Empty, Describe(tags), instrument is Counter<long>);
        _totals.GetOrAdd(key, static _ => new Totals()).Add(value);
    }

    private static string Describe(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return string.Empty;
        }

        var parts = new List<string>(tags.Length);
        foreach (var (key, value) in tags)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{key}={value}"));
        }

        parts.Sort(StringComparer.Ordinal);
        return "{" + string.Join(",", parts) + "}";
    }

    /// <summary>Running totals of one instrument and tag set; measurements arrive from the loader's threads.</summary>
    private sealed class Totals
    {
        private readonly Lock _lock = new();

        public long Count { get; private set; }

        public double Sum { get; private set; }

        public double Max { get; private set; }

        public void Add(double value)
        {
            lock (_lock)
            {
                Count++;
                Sum += value;
                Max = Count == 1 ? value : Math.Max(Max, value);
            }
        }
    }
}
