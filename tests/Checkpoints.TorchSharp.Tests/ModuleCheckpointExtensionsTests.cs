using Checkpoints.Format;
using Checkpoints.Loading.Planning;
using Checkpoints.TorchSharp.Tests.TestSupport;
using TorchSharp;
using static TorchSharp.torch;

namespace Checkpoints.TorchSharp.Tests;

public sealed class ModuleCheckpointExtensionsTests : IDisposable
{
    private readonly TempCheckpoint _checkpoint = new();

    public void Dispose() => _checkpoint.Dispose();

    /// <summary>TinyModel's state dict as checkpoint tensors of F32, with distinct random bytes each.</summary>
    private TempCheckpoint AddTinyModel(string prefix = "", bool withScale = true)
    {
        _checkpoint.Add(prefix + "emb.weight", DType.F32, [5, 3], Bytes.Random(60, 1))
            .Add(prefix + "proj.weight", DType.F32, [2, 3], Bytes.Random(24, 2))
            .Add(prefix + "proj.bias", DType.F32, [2], Bytes.Random(8, 3));
        return withScale ? _checkpoint.Add(prefix + "scale", DType.F32, [2], Bytes.Of(2f, 3f)) : _checkpoint;
    }

    [Fact]
    public void Strict_LoadsEveryParameterAndBuffer_ByteForByte()
    {
        var path = AddTinyModel().Write();
        using var model = new TinyModel();

        var report = model.LoadCheckpoint(path);

        var state = model.state_dict();
        Assert.Equal(Bytes.Random(60, 1), state["emb.weight"].bytes.ToArray());
        Assert.Equal(Bytes.Random(24, 2), state["proj.weight"].bytes.ToArray());
        Assert.Equal(Bytes.Random(8, 3), state["proj.bias"].bytes.ToArray());
        Assert.Equal(Bytes.Of(2f, 3f), state["scale"].bytes.ToArray());
        Assert.Equal(["emb.weight", "proj.weight", "proj.bias", "scale"], report.Loaded);
        Assert.Empty(report.MissingKeys);
        Assert.Empty(report.UnexpectedKeys);
        Assert.Empty(report.Conversions);
        Assert.Equal(60 + 24 + 8 + 8, report.Bytes);
        Assert.True(report.Elapsed > TimeSpan.Zero);
        Assert.Single(report.Plan.Shards);
    }

    [Fact]
    public void ColdOnALocalDisk_ReadsPastThePageCache_IntoTheParameters()
    {
        // 6 MiB: reading the header does not bring the data into the page cache with it, as it would for a tiny file.
        var data = Bytes.Random(6 << 20, 4);
        var path = _checkpoint.Add("x", DType.F32, [(6 << 20) / 4], data).Write();
        // Written back and out of the page cache, as a checkpoint that was not read since it was copied here.
        CheckpointCache.Evict(path);
        using var holder = new Holder(ScalarType.Float32, (6 << 20) / 4);

        var report = holder.LoadCheckpoint(path);

        // The test folder is on a local disk (ext4 on the test machines): the plan reads it direct, not through a map.
        Assert.All(report.Plan.Shards, shard => Assert.Equal((LoadStrategy.Lazy, ShardAccess.Direct), (shard.Strategy, shard.Access)));
        Assert.True(data.AsSpan().SequenceEqual(holder.X.bytes), "the parameter does not hold the checkpoint's bytes");
    }

    [Fact]
    public void Strict_ParametersStillTrainable_AndForwardUsesTheLoadedValues()
    {
        var path = _checkpoint.Add("emb.weight", DType.F32, [5, 3], Bytes.Of([.. Enumerable.Range(0, 15).Select(i => (float)i)]))
            .Add("proj.weight", DType.F32, [2, 3], Bytes.Of(1, 0, 0, 0, 1, 0))
            .Add("proj.bias", DType.F32, [2], Bytes.Of(0.5f, -0.5f))
            .Add("scale", DType.F32, [2], Bytes.Of(2, 3)).Write();
        using var model = new TinyModel();

        model.LoadCheckpoint(path);

        using var output = model.forward(torch.tensor(new long[] { 1, 4 }));
        Assert.Equal([7f, 10.5f, 25f, 37.5f], output.data<float>().ToArray());
        Assert.All(model.parameters(), p => Assert.True(p.requires_grad));
    }

    [Fact]
    public void Strict_MissingKey_FailsNamingIt_AndWritesNothing()
    {
        var path = AddTinyModel(withScale: false).Write();
        using var model = new TinyModel();
        var before = model.state_dict()["emb.weight"].bytes.ToArray();

        var error = Assert.Throws<CheckpointLoadException>(() => model.LoadCheckpoint(path));

        Assert.Contains("missing keys (1", error.Message, StringComparison.Ordinal);
        Assert.Contains("'scale'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Strict = false", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, model.state_dict()["emb.weight"].bytes.ToArray());
    }

    [Fact]
    public void Strict_UnexpectedKey_FailsNamingIt()
    {
        var path = AddTinyModel().Add("lm_head.weight", DType.F32, [1], Bytes.Of(1f)).Write();
        using var model = new TinyModel();

        var error = Assert.Throws<CheckpointLoadException>(() => model.LoadCheckpoint(path));

        Assert.Contains("unexpected keys (1", error.Message, StringComparison.Ordinal);
        Assert.Contains("'lm_head.weight'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NotStrict_LoadsWhatMatches_AndReportsTheRest()
    {
        var path = AddTinyModel(withScale: false).Add("lm_head.weight", DType.F32, [1], Bytes.Of(1f)).Write();
        using var model = new TinyModel();

        var report = model.LoadCheckpoint(path, new CheckpointLoadOptions { Strict = false });

        Assert.Equal(["scale"], report.MissingKeys);
        Assert.Equal(["lm_head.weight"], report.UnexpectedKeys);
        Assert.Equal(["emb.weight", "proj.weight", "proj.bias"], report.Loaded);
        Assert.Equal(Bytes.Random(60, 1), model.state_dict()["emb.weight"].bytes.ToArray());
        Assert.Equal(Bytes.Of(1f, 1f), model.state_dict()["scale"].bytes.ToArray());
    }

    [Fact]
    public void MapKey_RenamesAndSkips()
    {
        var path = AddTinyModel("model.").Add("model.rotary.inv_freq", DType.F32, [1], Bytes.Of(1f)).Write();
        using var model = new TinyModel();
        var options = new CheckpointLoadOptions
        {
            MapKey = name => name.EndsWith("inv_freq", StringComparison.Ordinal) ? null : name["model.".Length..],
        };

        var report = model.LoadCheckpoint(path, options);

        Assert.Equal(["model.rotary.inv_freq"], report.SkippedKeys);
        Assert.Equal(4, report.Loaded.Count);
        Assert.Equal(Bytes.Random(24, 2), model.state_dict()["proj.weight"].bytes.ToArray());
    }

    [Fact]
    public void MapKey_TwoTensorsToOneName_IsAnError()
    {
        var path = AddTinyModel().Add("other.bias", DType.F32, [2], Bytes.Of(1f, 1f)).Write();
        using var model = new TinyModel();

        var error = Assert.Throws<CheckpointLoadException>(() =>
            model.LoadCheckpoint(path, new CheckpointLoadOptions { MapKey = n => n == "other.bias" ? "proj.bias" : n }));

        Assert.Contains("'proj.bias' and 'other.bias' both map to 'proj.bias'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShapeMismatch_NamesBothShapes_AndWritesNothing()
    {
        var path = _checkpoint.Add("emb.weight", DType.F32, [5, 3], Bytes.Random(60, 1))
            .Add("proj.weight", DType.F32, [3, 2], Bytes.Random(24, 2))
            .Add("proj.bias", DType.F32, [2], Bytes.Random(8, 3))
            .Add("scale", DType.F32, [2], Bytes.Of(2f, 3f)).Write();
        using var model = new TinyModel();
        var before = model.state_dict()["emb.weight"].bytes.ToArray();

        var error = Assert.Throws<CheckpointLoadException>(() => model.LoadCheckpoint(path));

        Assert.Equal("proj.weight", error.TensorName);
        Assert.Contains("shape [3, 2] in the checkpoint", error.Message, StringComparison.Ordinal);
        Assert.Contains("'proj.weight' has shape [2, 3]", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, model.state_dict()["emb.weight"].bytes.ToArray());
    }

    [Fact]
    public void Sharded_LoadsAcrossShards_AndReportsProgressToTheEnd()
    {
        var path = AddTinyModel().WriteSharded(maxShardBytes: 64);
        using var model = new TinyModel();
        var reports = new List<CheckpointLoadProgress>();
        var options = new CheckpointLoadOptions { Progress = new SyncProgress<CheckpointLoadProgress>(p => { lock (reports) { reports.Add(p); } }) };

        var report = model.LoadCheckpoint(path, options);

        Assert.True(report.Plan.Shards.Count > 1);
        Assert.Equal(Bytes.Of(2f, 3f), model.state_dict()["scale"].bytes.ToArray());
        var last = reports.MaxBy(p => p.BytesDone)!;
        Assert.Equal((100L, 4, 4), (last.BytesDone, last.TensorsDone, last.TensorCount));
        Assert.Equal(100, last.BytesTotal);
    }

    [Theory]
    [InlineData(LoadStrategy.Lazy, ShardAccess.Auto)]
    [InlineData(LoadStrategy.Eager, ShardAccess.Auto)]
    [InlineData(LoadStrategy.Prefetch, ShardAccess.Auto)]
    [InlineData(LoadStrategy.Lazy, ShardAccess.Read)]
    public void EveryStrategyAndAccess_LoadsTheSameBytes_AcrossShards(LoadStrategy strategy, ShardAccess access)
    {
        var path = AddTinyModel().WriteSharded(maxShardBytes: 64);
        using var model = new TinyModel();

        var report = model.LoadCheckpoint(path, new CheckpointLoadOptions
        {
            Load = new LoadOptions { Strategy = strategy, Access = access },
            MaxDegreeOfParallelism = 4,
        });

        Assert.All(report.Plan.Shards, shard => Assert.Equal(strategy, shard.Strategy));
        Assert.Equal(Bytes.Random(60, 1), model.state_dict()["emb.weight"].bytes.ToArray());
        Assert.Equal(Bytes.Random(24, 2), model.state_dict()["proj.weight"].bytes.ToArray());
        Assert.Equal(Bytes.Of(2f, 3f), model.state_dict()["scale"].bytes.ToArray());
    }

    [Fact]
    public void NonContiguousDestination_IsAnError()
    {
        var path = _checkpoint.Add("x", DType.F32, [2, 3], Bytes.Random(24, 1)).Write();
        using var transposed = torch.zeros(3, 2).t();
        using var holder = new Holder(transposed);

        var error = Assert.Throws<CheckpointLoadException>(() => holder.LoadCheckpoint(path));

        Assert.Contains("'x' is not contiguous", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ScalarAndEmptyTensors_Load()
    {
        var path = _checkpoint.Add("x", DType.F32, [], Bytes.Of(4.5f)).Write();
        using var scalar = new Holder(torch.zeros(Array.Empty<long>()));

        var report = scalar.LoadCheckpoint(path);

        Assert.Equal(4.5f, scalar.X.item<float>());
        Assert.Equal(4, report.Bytes);

        using var empty = new TempCheckpoint();
        var emptyPath = empty.Add("x", DType.BF16, [0, 8], []).Write();
        using var holder = new Holder(ScalarType.Float32, 0, 8);
        Assert.Equal(["x"], holder.LoadCheckpoint(emptyPath).Loaded);
    }

    [Fact]
    public void Cancelled_BeforeLoading_ThrowsAndLeavesTheModelUntouched()
    {
        var path = AddTinyModel().Write();
        using var model = new TinyModel();
        var before = model.state_dict()["emb.weight"].bytes.ToArray();

        Assert.ThrowsAny<OperationCanceledException>(() => model.LoadCheckpoint(path, cancellationToken: new CancellationToken(canceled: true)));

        Assert.Equal(before, model.state_dict()["emb.weight"].bytes.ToArray());
    }

    [Fact]
    public void Cancelled_WhileCopying_Throws()
    {
        var path = AddTinyModel().Write();
        using var model = new TinyModel();
        using var cancellation = new CancellationTokenSource();
        var options = new CheckpointLoadOptions
        {
            MaxDegreeOfParallelism = 1,
            Progress = new SyncProgress<CheckpointLoadProgress>(_ => cancellation.Cancel()),
        };

        Assert.ThrowsAny<OperationCanceledException>(() => model.LoadCheckpoint(path, options, cancellationToken: cancellation.Token));

        // The first tensor was copied before the cancellation, the last was not: the documented partial state.
        Assert.Equal(Bytes.Random(60, 1), model.state_dict()["emb.weight"].bytes.ToArray());
        Assert.Equal(Bytes.Of(1f, 1f), model.state_dict()["scale"].bytes.ToArray());
    }

    [Fact]
    public void StorageError_MidLoad_PropagatesAsIOException_NamingTheTensorAndTheFile()
    {
        var path = AddTinyModel().Write();
        using var model = new TinyModel();
        var truncated = false;
        var options = new CheckpointLoadOptions
        {
            // MapKey runs after the checkpoint is opened and before any data is read: the shard shrinks in between.
            MapKey = name =>
            {
                if (!truncated)
                {
                    using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
                    file.SetLength(file.Length - 16);
                    truncated = true;
                }

                return name;
            },
        };

        var error = Assert.Throws<IOException>(() => model.LoadCheckpoint(path, options));

        // Every tensor of the shard now fails its file check; the copy threads decide which one meets it first.
        Assert.Matches(@"^Loading tensor '(?<name>(emb|proj)\.(weight|bias))' into '\k<name>' failed: ", error.Message);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MaxDegreeOfParallelism_OutOfRange_IsRefused()
    {
        using var model = new TinyModel();
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            model.LoadCheckpoint("/nonexistent", new CheckpointLoadOptions { MaxDegreeOfParallelism = 0 }));
    }
}
