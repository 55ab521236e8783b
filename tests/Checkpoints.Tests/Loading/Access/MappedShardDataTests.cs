using Checkpoints.Format;
using Checkpoints.Loading.Access;
using Checkpoints.Loading.Planning;
using Checkpoints.Loading.Reading;
using Checkpoints.Loading.Session;
using Checkpoints.Storage.Cache;
using Checkpoints.Tests.TestSupport;
using Checkpoints.Writing;


namespace Checkpoints.Tests.Loading.Access;

/// <summary>A mapped shard populated through the read pool before its bytes are handed out (<see cref="ShardAccess.PopulatedMap"/>).</summary>
public sealed class MappedShardDataTests : IDisposable
{
    private const int TensorBytes = 64 << 10;

    private readonly TempDirectory _directory = new();
    private readonly ReadPool _pool = new(3);
    private readonly CancellationTokenSource _disposing = new();

    public MappedShardDataTests() =>
        Assert.True(MapPopulate.IsSupported, "this kernel cannot populate maps (Linux 5.14 or later): populated maps are never planned here");

    public void Dispose()
    {
        _pool.Dispose();
        _disposing.Dispose();
        _directory.Dispose();
    }

    private ReadSettings Settings => new(_pool, 16 << 10, TimeSpan.FromSeconds(30), _disposing.Token);

    /// <summary>Four tensors of 64 KiB; segments of two tensors each.</summary>
    private (OpenedShard Shard, byte[] File, ShardSegments Segments) Write(string name = "m.safetensors")
    {
        var random = new Random(11);
        var path = _directory.File(name);
        CheckpointWriter.WriteFile(path, [.. Enumerable.Range(0, 4).Select(i =>
        {
            var data = new byte[TensorBytes];
            random.NextBytes(data);
            return TensorToWrite.FromBytes($"t{i}", DType.U8, [TensorBytes], data);
        })]);
        var shard = ShardOpening.Read(path);
        return (shard, File.ReadAllBytes(path), ShardSegments.Plan(shard.Header, 2 * TensorBytes, ShardSegments.ChunkBytes));
    }

    [Fact]
    public void Populated_ServesTheFilesBytes_AndPopulatesEachSegmentBeforeHandingItOut()
    {
        var (shard, file, segments) = Write();
        PageCache.Evict(shard.Header.FilePath);
        using var data = MappedShardData.OpenPopulated(shard.Header, shard.Identity, Settings, segments);

        foreach (var tensor in shard.Header.Tensors)
        {
            var start = shard.Header.DataStart + tensor.DataBegin;
            Assert.Equal(file.AsSpan((int)start, TensorBytes).ToArray(), data.GetSpan(start, TensorBytes).ToArray());
        }

        var residency = new PageCache("/proc").GetResidency(shard.Header.FilePath, CancellationToken.None);
        Assert.Equal(residency.SizeBytes, residency.CachedBytes);
    }

    [Fact]
    public void Populated_ReportsATruncationBetweenTwoTensorsOfAPopulatedSegment_InsteadOfRaisingSigbus()
    {
        var (shard, _, segments) = Write();
        using var data = MappedShardData.OpenPopulated(shard.Header, shard.Identity, Settings, segments);
        var first = shard.Header.DataStart + shard.Header.Tensors[0].DataBegin;
        _ = data.GetSpan(first, TensorBytes);

        // The second tensor's pages were populated with the first's segment; the truncation takes them out of the map.
        using (var stream = new FileStream(shard.Header.FilePath, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(first + TensorBytes);
        }

        var error = Assert.Throws<IOException>(() => data.GetSpan(first + TensorBytes, TensorBytes).ToArray());
        Assert.Contains(shard.Header.FilePath, error.Message, StringComparison.Ordinal);
        Assert.Contains("the shard changed while loading", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Populated_ReportsASegmentCutShortBeforeItWasPopulated_AsTheChangeItIs()
    {
        var (shard, _, segments) = Write();
        using var data = MappedShardData.OpenPopulated(shard.Header, shard.Identity, Settings, segments);
        var third = shard.Header.DataStart + shard.Header.Tensors[2].DataBegin;

        // Inside the second segment: populating it meets pages past the end, which the kernel reports instead of a SIGBUS.
        using (var stream = new FileStream(shard.Header.FilePath, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(third + (TensorBytes / 2));
        }

        var error = Assert.Throws<IOException>(() => data.GetSpan(third, TensorBytes).ToArray());
        Assert.Contains(shard.Header.FilePath, error.Message, StringComparison.Ordinal);
        Assert.Contains("the shard changed while loading", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Populated_WhenDisposed_RefusesFurtherSpans()
    {
        var (shard, _, segments) = Write();
        var data = MappedShardData.OpenPopulated(shard.Header, shard.Identity, Settings, segments);
        data.Dispose();

        Assert.Throws<ObjectDisposedException>(() => data.GetSpan(shard.Header.DataStart, 1).ToArray());
    }
}
