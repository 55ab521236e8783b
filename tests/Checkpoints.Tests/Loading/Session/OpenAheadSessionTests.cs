using Checkpoints.Format;
using Checkpoints.Loading.Access;
using Checkpoints.Loading.Planning;
using Checkpoints.Loading.Session;
using Checkpoints.Tests.TestSupport;
using Checkpoints.Units;
using Checkpoints.Writing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Checkpoints.Tests.Loading.Session;

/// <summary>A load session opens the maps of the shards after the one the consumer reaches, before the consumer gets there.</summary>
public sealed class OpenAheadSessionTests : IDisposable
{
    private const int TensorBytes = 4096;

    /// <summary>Read threads, and so shards opened ahead.</summary>
    private const int Threads = 4;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(ShardAccess.Map)]
    [InlineData(ShardAccess.PopulatedMap)]
    public void ReachingAShard_MapsTheNextOnes_AndNothingBeforeThat(ShardAccess access)
    {
        var paths = Write(8);
        var (session, catalog) = Open(access);
        using (session)
        {
            Assert.Empty(Mapped(paths));

            Assert.Equal(Bytes(0), session.GetSpan(0, catalog.Shards[0].DataStart, TensorBytes).ToArray());

            // One shard ahead per read thread, and no further.
            Assert.True(SpinWait.SpinUntil(() => Mapped(paths).Count == 1 + Threads && session.OpensAheadInFlight == 0, Patience),
                $"mapped: {string.Join(", ", Mapped(paths).Select(Path.GetFileName))}");
            Assert.Equal(paths.Take(1 + Threads), Mapped(paths));
            for (var shard = 0; shard < paths.Count; shard++)
            {
                Assert.Equal(Bytes(shard), session.GetSpan(shard, catalog.Shards[shard].DataStart, TensorBytes).ToArray());
            }
        }

        Assert.Empty(Mapped(paths));
    }

    [Fact]
    public void AShardWhoseOpenAheadFailed_IsOpenedAgainWhenReached_AndReadAsItIsThen()
    {
        var paths = Write(4);
        var (session, catalog) = Open(ShardAccess.Map);
        using (session)
        {
            File.Move(paths[2], paths[2] + ".away");
            _ = session.GetSpan(0, catalog.Shards[0].DataStart, TensorBytes);
            Assert.True(SpinWait.SpinUntil(() => session.OpensAheadInFlight == 0, Patience));
            // Back as it was opened: an error kept from the open ahead would be stale (a dropped network mount that
            // unmounted since is the case that matters: the consumer's own open then names the unmount).
            File.Move(paths[2] + ".away", paths[2]);

            Assert.Equal(Bytes(1), session.GetSpan(1, catalog.Shards[1].DataStart, TensorBytes).ToArray());
            Assert.Equal(Bytes(2), session.GetSpan(2, catalog.Shards[2].DataStart, TensorBytes).ToArray());
            Assert.Equal(Bytes(3), session.GetSpan(3, catalog.Shards[3].DataStart, TensorBytes).ToArray());
        }
    }

    [Fact]
    public void DisposingWhileOpensRunAhead_LeavesNoShardMapped()
    {
        var paths = Write(24);
        var (session, catalog) = Open(ShardAccess.PopulatedMap);
        _ = session.GetSpan(0, catalog.Shards[0].DataStart, TensorBytes);
        session.Dispose();

        Assert.True(SpinWait.SpinUntil(() => session.OpensAheadInFlight == 0 && Mapped(paths).Count == 0, Patience),
            $"still mapped: {string.Join(", ", Mapped(paths).Select(Path.GetFileName))}");
        Assert.Throws<ObjectDisposedException>(() => session.GetSpan(1, catalog.Shards[1].DataStart, TensorBytes).ToArray());
    }

    private static byte[] Bytes(int shard) => [.. Enumerable.Range(0, TensorBytes).Select(i => (byte)(i * 7 + shard))];

    /// <summary>The shard files this process has mapped now, in shard order.</summary>
    private static List<string> Mapped(IReadOnlyList<string> paths)
    {
        var maps = File.ReadAllText("/proc/self/maps");
        return [.. paths.Where(path => maps.Contains(path, StringComparison.Ordinal))];
    }

    /// <summary>The shards' paths, in order (the index, written last, left out).</summary>
    private List<string> Write(int shards) => [.. CheckpointWriter.WriteShards(_directory.Path,
        [.. Enumerable.Range(0, shards).Select(shard => (IReadOnlyList<TensorToWrite>)[TensorToWrite.FromBytes($"t{shard}", DType.U8, [TensorBytes], Bytes(shard))])],
        metadata: null).Where(static path => path.EndsWith(".safetensors", StringComparison.Ordinal))];

    private (LoadSession Session, CheckpointCatalog Catalog) Open(ShardAccess access)
    {
        // The maps are seen in /proc/self/maps.
        Prerequisites.RequireLinux();
        var options = new LoadOptions { Strategy = LoadStrategy.Lazy, Access = access, Threads = Threads };
        var opened = CheckpointOpener.Open(_directory.Path, options, NullLogger.Instance, CancellationToken.None);
        return (LoadSession.Start(opened, options, NullLogger.Instance, CancellationToken.None), opened.Catalog);
    }
}
