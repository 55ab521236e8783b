using Checkpoints.Format;
using Checkpoints.Loading.Reading;
using Checkpoints.Loading.Session;
using Checkpoints.Storage.Cache;
using Checkpoints.Tests.TestSupport;
using Checkpoints.Writing;

namespace Checkpoints.Tests.Loading.Session;

/// <summary>Reading every shard's header, and its page-cache residency through the same handle.</summary>
public sealed class ShardOpeningTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly ReadPool _pool = new(2);

    public void Dispose()
    {
        _pool.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public void ReadAll_MeasuresEachShardsResidency_AsAProbeOfTheFileAfterwardsSees()
    {
        Prerequisites.RequireLinux();
        // The middle one large enough that reading its header leaves most of it uncached, whatever the read-ahead.
        var paths = new[] { 1, 32, 1 }.Select((mebibytes, i) =>
        {
            var path = _directory.File($"m{i}.safetensors");
            var bytes = mebibytes << 20;
            CheckpointWriter.WriteFile(path, [TensorToWrite.FromBytes("t", DType.U8, [bytes], new byte[bytes])]);
            return path;
        }).ToArray();
        PageCache.Evict(paths[1]);

        var opened = ShardOpening.ReadAll(paths, _pool, TimeSpan.FromSeconds(30), PageCache.CreateDefault(), CancellationToken.None);

        for (var i = 0; i < paths.Length; i++)
        {
            var residency = Assert.IsType<FileResidency>(opened[i].Residency);
            var probed = PageCache.CreateDefault().GetResidency(paths[i]);
            Assert.Equal((paths[i], probed.SizeBytes, probed.CachedBytes, probed.Method), (residency.Path, residency.SizeBytes, residency.CachedBytes, residency.Method));
        }

        // The evicted shard has only what its header read brought in: far from all of it.
        Assert.InRange(opened[1].Residency!.CachedBytes!.Value, 1, opened[1].Residency!.SizeBytes / 2);
        Assert.All(ShardOpening.ReadAll(paths, _pool, TimeSpan.FromSeconds(30), residency: null, CancellationToken.None), static shard => Assert.Null(shard.Residency));
    }
}
