using Checkpoints.Reliability.Tests.TestSupport;
using Checkpoints.Storage;
using Checkpoints.Tests.TestSupport;
using Xunit.Abstractions;

namespace Checkpoints.Reliability.Tests;

/// <summary>
/// A shard on an sshfs mount changes, through the mount, while it is being loaded. Network shards are read into memory
/// a segment at a time; the file must be checked after every segment, and a changed one reported, never handed out.
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
        await AssertReportedAsync(kind, changeAfter: "b0", failingTensor: ChangingCheckpoint.FirstTensorOfSecondSegment);

    [Theory]
    [InlineData(ShardChangeKind.Truncate)]
    [InlineData(ShardChangeKind.RewriteInPlace)]
    [InlineData(ShardChangeKind.ReplaceByRename)]
    [InlineData(ShardChangeKind.Delete)]
    public async Task ChangedBeforeItWasFirstRead_IsReportedAtItsFirstTensor(ShardChangeKind kind) =>
        await AssertReportedAsync(kind, changeAfter: "a1", failingTensor: "b0");

    private async Task AssertReportedAsync(ShardChangeKind kind, string changeAfter, string failingTensor)
    {
        using var served = new TempDirectory();
        // Written before mounting: the client's cache starts cold, every byte read comes over sftp.
        ChangingCheckpoint.Write(served.Path);
        var expected = ReferenceTensors.Read(served.Path);
        var mount = await SshfsMount.StartAsync(served.Path);
        await using (mount)
        {
            using var checkpoint = Checkpoint.Open(mount.MountPoint);
            Assert.All(checkpoint.Plan.Shards, shard =>
            {
                Assert.Equal(FileSystemClass.Network, shard.FileSystem.Class);
                Assert.Equal(ShardAccess.Read, shard.Access);
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
