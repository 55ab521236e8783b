using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Checkpoints.Format;
using Checkpoints.Loading.Planning;
using Checkpoints.Synthesis;
using Checkpoints.Tests.TestSupport;

namespace Checkpoints.Tests.Loading.Telemetry;

/// <summary>Run alone: the meter and the activity source are process-wide, and other tests' loads would be counted too.</summary>
[CollectionDefinition(nameof(LoadTelemetryTests), DisableParallelization = true)]
public sealed class LoadTelemetryRunsAlone;

/// <summary>The library's instruments and activities, observed as a user would: through a MeterListener and an ActivityListener.</summary>
[Collection(nameof(LoadTelemetryTests))]
public sealed class LoadTelemetryTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly MeterListener _meters = new();
    private readonly ActivityListener _activities;
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = new();
    private readonly ConcurrentQueue<Activity> _stopped = new();

    public LoadTelemetryTests()
    {
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == CheckpointTelemetry.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.Start();
        _activities = new ActivityListener
        {
            ShouldListenTo = static source => source.Name == CheckpointTelemetry.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_activities);
    }

    public void Dispose()
    {
        _meters.Dispose();
        _activities.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task PrefetchLoad_RecordsOpenPlanPrefetchAndEveryByteHandedOut()
    {
        SyntheticCheckpoint.Write(_directory.Path, 1L << 20, 2, DType.BF16);

        using (var checkpoint = Checkpoint.Open(_directory.Path, new LoadOptions { Strategy = LoadStrategy.Prefetch }))
        {
            await checkpoint.PrefetchCompletion.WaitAsync(TimeSpan.FromMinutes(1));
            foreach (var tensor in checkpoint.Tensors)
            {
                _ = tensor.ToArray<byte>();
            }

            var tensorBytes = checkpoint.TotalTensorBytes;
            var fileBytes = checkpoint.Shards.Sum(static shard => shard.FileLength);
            var loaded = Measurements("checkpoints.load.bytes");
            Assert.Equal(tensorBytes, loaded.Sum(static m => m.Value));
            Assert.All(loaded, static m => Assert.Equal("prefetch", m.Tags["load.strategy"]));
            Assert.Equal(fileBytes, Measurements("checkpoints.prefetch.bytes").Sum(static m => m.Value));
        }

        Assert.Single(Measurements("checkpoints.open.duration"));
        var open = Assert.Single(_stopped, static activity => activity.OperationName == "checkpoints.open");
        Assert.Equal(2, open.GetTagItem("checkpoint.shards"));
        var plan = Assert.Single(_stopped, static activity => activity.OperationName == "checkpoints.plan");
        Assert.Equal(open.SpanId, plan.ParentSpanId);
        Assert.Equal("prefetch", plan.GetTagItem("plan.requested"));
        var prefetch = Assert.Single(_stopped, static activity => activity.OperationName == "checkpoints.prefetch");
        Assert.Equal("done", prefetch.GetTagItem("prefetch.outcome"));
    }

    [Fact]
    public void Open_BrokenFile_CountsTheErrorByRuleAndTagsTheActivity()
    {
        var path = _directory.Write("model.safetensors", Safetensors.Raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", new byte[4]));

        Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(path));

        var error = Assert.Single(Measurements("checkpoints.errors"));
        Assert.Equal("open", error.Tags["operation"]);
        var open = Assert.Single(_stopped, static activity => activity.OperationName == "checkpoints.open");
        Assert.Equal(ActivityStatusCode.Error, open.Status);
        Assert.Equal(error.Tags["error.type"], open.GetTagItem("error.type"));
        Assert.Equal(error.Tags["error.type"], Assert.Single(Measurements("checkpoints.open.duration")).Tags["error.type"]);
    }

    [Fact]
    public void Prefetch_LeavesTheCallersActivityCurrent()
    {
        SyntheticCheckpoint.Write(_directory.Path, 1L << 20, 2, DType.BF16);
        using var caller = new ActivitySource("Caller").StartActivity("caller");
        var before = Activity.Current;

        using var checkpoint = Checkpoint.Open(_directory.Path, new LoadOptions { Strategy = LoadStrategy.Prefetch });

        Assert.Same(before, Activity.Current);
    }

    private (string Instrument, double Value, Dictionary<string, object?> Tags)[] Measurements(string instrument) =>
        [.. _measurements.Where(m => m.Instrument == instrument)];

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, tagValue) in tags)
        {
            copy[key] = tagValue;
        }

        _measurements.Enqueue((instrument.Name, value, copy));
    }
}
