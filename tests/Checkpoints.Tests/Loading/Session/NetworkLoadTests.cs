using Checkpoints.Format;
using Checkpoints.Loading.Planning;
using Checkpoints.Storage.Cache;
using Checkpoints.Synthesis;
using Checkpoints.Tests.TestSupport;
using Microsoft.Extensions.Logging;

namespace Checkpoints.Tests.Loading.Session;

/// <summary>Loading from a real network file system: an sshfs mount over loopback that the test sets up.</summary>
public sealed class NetworkLoadTests
{
    /// <param name="asked">The access asked for.</param>
    /// <param name="planned">The access planned: by itself the planner maps and populates (Linux 5.14 or later), as this fits the budget.</param>
    /// <param name="word">How the plan's summary names it.</param>
    [Theory]
    [InlineData(ShardAccess.Auto, ShardAccess.PopulatedMap, "populated")]
    [InlineData(ShardAccess.Read, ShardAccess.Read, "read")]
    public async Task Auto_OnSshfs_PlansPrefetch_AndReadsTheSameBytes(ShardAccess asked, ShardAccess planned, string word)
    {
        using var local = new TempDirectory();
        SyntheticCheckpoint.Write(local.Path, 8L << 20, 2, DType.BF16);
        ulong expected;
        using (var reference = Checkpoint.Open(local.Path, new LoadOptions { Strategy = LoadStrategy.Lazy }))
        {
            expected = ContentDigest.Compute(reference).Digest;
        }

        await using var mount = await SshfsMount.StartAsync();
        foreach (var file in Directory.GetFiles(local.Path))
        {
            File.Copy(file, Path.Combine(mount.MountPoint, Path.GetFileName(file)));
        }

        foreach (var shard in Directory.GetFiles(mount.MountPoint, "*.safetensors"))
        {
            PageCache.Evict(shard);
        }

        var logger = new ListLogger();
        using var checkpoint = Checkpoint.Open(mount.MountPoint, new LoadOptions { BlockSize = 1 << 20, Access = asked }, logger);

        Assert.All(checkpoint.Plan.Shards, shard =>
        {
            Assert.Equal(LoadStrategy.Prefetch, shard.Strategy);
            Assert.Equal(planned, shard.Access);
            Assert.Equal("fuse.sshfs", shard.FileSystem.FileSystemType);
        });
        Assert.Equal(expected, ContentDigest.Compute(checkpoint).Digest);
        await checkpoint.PrefetchCompletion.WaitAsync(TimeSpan.FromSeconds(60));
        var info = logger.Messages(LogLevel.Information).ToArray();
        Assert.Contains(info, message => message.Contains("fuse.sshfs (network)", StringComparison.Ordinal));
        Assert.Contains(info, message => message.StartsWith($"Plan: prefetch ({word}) 2 shard(s)", StringComparison.Ordinal));
        Assert.Contains(info, message => message.StartsWith("Prefetch started", StringComparison.Ordinal));
    }
}
