using Checkpoints.Loading.Planning;
using Checkpoints.Reliability.Tests.TestSupport;
using Checkpoints.Storage.Cache;
using Checkpoints.Storage.FileSystems;
using Checkpoints.Tests.TestSupport;
using Xunit.Abstractions;


namespace Checkpoints.Reliability.Tests;

/// <summary>
/// A shard on an sshfs mount changes, through the mount, while it is being loaded. Network shards are read into memory,
/// or mapped and populated, a segment at a time; the file must be checked after every segment (and, mapped, before every
/// tensor: a truncation unmaps pages already populated), and a changed one reported, never handed out.
/// </summary>
public sealed class MountedChangingShardTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <remarks>
    /// Replacing and deleting are not among these cases: read access checks the handle it reads through, and that handle
    /// still reads the file that was opened (sshfs keeps it on the server as <c>.fuse_hidden*</c>), so they are noticed
    /// only when the shard is opened again, as in the next test.
    /// </remarks>
    [Theory]
    [InlineData(ShardChangeKind.Truncate)]
    [InlineData(ShardChangeKind.RewriteInPlace)]
    public async Task ChangedAfterItsFirstSegmentWasRead_IsReportedWhenItsNextSegmentIsRead(ShardChangeKind kind) =>
        await AssertReportedAsync(kind, ShardAccess.Read, changeAfter: "b0", failingTensor: ChangingCheckpoint.FirstTensorOfSecondSegment);

    /// <remarks>
    /// Truncated to inside the populated segment: the pages past the new end leave the map, and reading the next tensor
    /// without the check before it would kill the process with SIGBUS.
    /// </remarks>
    [Theory]
    [InlineData(ShardChangeKind.Truncate)]
    [InlineData(ShardChangeKind.RewriteInPlace)]
    public async Task ChangedAfterATensorOfAPopulatedSegmentWasRead_IsReportedAtItsNextTensor(ShardChangeKind kind) =>
        await AssertReportedAsync(kind, ShardAccess.PopulatedMap, changeAfter: "b0", failingTensor: "b1");

    [Theory]
    [InlineData(ShardChangeKind.Truncate, ShardAccess.PopulatedMap)]
    [InlineData(ShardChangeKind.Truncate, ShardAccess.Read)]
    [InlineData(ShardChangeKind.RewriteInPlace, ShardAccess.PopulatedMap)]
    [InlineData(ShardChangeKind.RewriteInPlace, ShardAccess.Read)]
    [InlineData(ShardChangeKind.ReplaceByRename, ShardAccess.PopulatedMap)]
    [InlineData(ShardChangeKind.ReplaceByRename, ShardAccess.Read)]
    [InlineData(ShardChangeKind.Delete, ShardAccess.PopulatedMap)]
    [InlineData(ShardChangeKind.Delete, ShardAccess.Read)]
    public async Task ChangedBeforeItWasFirstRead_IsReportedAtItsFirstTensor(ShardChangeKind kind, ShardAccess access) =>
        await AssertReportedAsync(kind, access, changeAfter: "a1", failingTensor: "b0");

    // Populated maps are what the planner picks on its own (Linux 5.14 or later); reads are asked for.
    private async Task AssertReportedAsync(ShardChangeKind kind, ShardAccess access, string changeAfter, string failingTensor)
    {
        using var served = new TempDirectory();
        // Written before mounting: the client's cache starts cold, every byte read comes over sftp.
        ChangingCheckpoint.Write(served.Path);
        var expected = ReferenceTensors.Read(served.Path);
        var mount = await SshfsMount.StartAsync(served.Path);
        await using (mount)
        {
            Assert.True(access == ShardAccess.Read || MapPopulate.IsSupported, "this kernel cannot populate maps (Linux 5.14 or later)");
            var options = new LoadOptions { Access = access == ShardAccess.Read ? ShardAccess.Read : ShardAccess.Auto };
            using var checkpoint = Checkpoint.Open(mount.MountPoint, options);
            Assert.All(checkpoint.Plan.Shards, shard =>
            {
                Assert.Equal(FileSystemClass.Network, shard.FileSystem.Class);
                Assert.Equal(access, shard.Access);
            });
            string[] report = [];

            // Changed through the mount point, so the client sees the change as it would another local writer's.
            var consumption = await Task.Run(() => ChangingCheckpoint.ReadChangingAfter(checkpoint, expected, changeAfter, path => report = ShardChange.Apply(kind, path)))
                .WaitAsync(Patience);
            output.WriteLine(consumption.Outcome);

            ShardChange.AssertReported(consumption, checkpoint, failingTensor, report);
        }

        await SshfsLeftovers.AssertNoneAsync(mount);
    }
}
