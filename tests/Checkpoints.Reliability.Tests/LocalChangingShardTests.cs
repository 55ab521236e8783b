using Checkpoints.Loading.Planning;
using Checkpoints.Reliability.Tests.TestSupport;
using Checkpoints.Storage.FileSystems;
using Checkpoints.Tests.TestSupport;
using Xunit.Abstractions;


namespace Checkpoints.Reliability.Tests;

/// <summary>
/// A shard changes on the local disk while it is being loaded. Local files are mapped, and a page past a truncated end
/// would raise SIGBUS: the loader must check the file before every tensor it hands out and report the change instead.
/// </summary>
public sealed class LocalChangingShardTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ShardChangeKind.Truncate)]
    [InlineData(ShardChangeKind.RewriteInPlace)]
    [InlineData(ShardChangeKind.ReplaceByRename)]
    [InlineData(ShardChangeKind.Delete)]
    public void ChangedAfterItsFirstTensorWasRead_IsReportedAtItsNextTensor(ShardChangeKind kind) =>
        AssertReported(kind, changeAfter: "b0", failingTensor: "b1");

    [Theory]
    [InlineData(ShardChangeKind.Truncate)]
    [InlineData(ShardChangeKind.RewriteInPlace)]
    [InlineData(ShardChangeKind.ReplaceByRename)]
    [InlineData(ShardChangeKind.Delete)]
    public void ChangedBeforeItWasFirstRead_IsReportedAtItsFirstTensor(ShardChangeKind kind) =>
        AssertReported(kind, changeAfter: "a1", failingTensor: "b0");

    /// <summary>Reads in order, changes the second shard once <paramref name="changeAfter"/> was read, and checks the report.</summary>
    private void AssertReported(ShardChangeKind kind, string changeAfter, string failingTensor)
    {
        using var directory = new TempDirectory();
        ChangingCheckpoint.Write(directory.Path);
        var expected = ReferenceTensors.Read(directory.Path);
        using var checkpoint = OpenMapped(directory.Path);
        string[] report = [];

        var consumption = ChangingCheckpoint.ReadChangingAfter(checkpoint, expected, changeAfter, path => report = ShardChange.Apply(kind, path));
        output.WriteLine(consumption.Outcome);

        ShardChange.AssertReported(consumption, checkpoint, failingTensor, report);
    }

    /// <summary>Opens with the defaults, and checks they map the shards: the access these tests are about.</summary>
    private static Checkpoint OpenMapped(string path)
    {
        var checkpoint = Checkpoint.Open(path);
        Assert.All(checkpoint.Plan.Shards, shard =>
        {
            Assert.Equal(FileSystemClass.Local, shard.FileSystem.Class);
            Assert.Equal(ShardAccess.Map, shard.Access);
        });
        return checkpoint;
    }
}
