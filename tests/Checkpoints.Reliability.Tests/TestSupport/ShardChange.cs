using Checkpoints.Units;


namespace Checkpoints.Reliability.Tests.TestSupport;

/// <summary>What another process does to a shard while it is being loaded.</summary>
public enum ShardChangeKind
{
    /// <summary>Cut to 40 MiB: inside the first segment, before the second one starts.</summary>
    Truncate,

    /// <summary>Same size, some bytes rewritten, a later modification time: a re-upload in place.</summary>
    RewriteInPlace,

    /// <summary>A new file renamed over the path: how most tools publish a file atomically.</summary>
    ReplaceByRename,

    /// <summary>The path removed.</summary>
    Delete,
}

/// <summary>Makes a <see cref="ShardChangeKind"/> happen to a file, and checks the loader's report of it.</summary>
internal static class ShardChange
{
    public const long TruncatedLength = 40L << 20;

    /// <summary>
    /// Changes <paramref name="path"/> and returns what the loader must say. The modification time is moved a few seconds
    /// on: sshfs (sftp version 3) keeps whole seconds, so a rewrite within the second of the open would be invisible.
    /// </summary>
    public static string[] Apply(ShardChangeKind kind, string path)
    {
        var length = new FileInfo(path).Length;
        switch (kind)
        {
            case ShardChangeKind.Truncate:
                using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
                {
                    stream.SetLength(TruncatedLength);
                }

                return ["the shard changed while loading", $"it was {Invariant.N(length)} bytes when opened, now {Invariant.N(TruncatedLength)}"];
            case ShardChangeKind.RewriteInPlace:
                var modified = File.GetLastWriteTimeUtc(path);
                using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
                {
                    // Near the end: inside the last tensor, which no read has reached yet.
                    stream.Position = length - (1 << 20);
                    stream.Write(new byte[4096]);
                }

                File.SetLastWriteTimeUtc(path, modified.AddSeconds(5));
                return ["the shard changed while loading: it was modified at"];
            case ShardChangeKind.ReplaceByRename:
                var replacement = path + ".partial";
                File.WriteAllBytes(replacement, new byte[1 << 20]);
                File.Move(replacement, path, overwrite: true);
                return ["the shard was replaced while loading"];
            case ShardChangeKind.Delete:
                File.Delete(path);
                return ["the shard was deleted while loading"];
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    /// <summary>
    /// Asserts the load stopped at <paramref name="failingTensor"/> with an <see cref="IOException"/> naming the shard and
    /// saying <paramref name="report"/>, and that every tensor before it was handed out with exactly its bytes.
    /// </summary>
    public static void AssertReported(Consumption consumption, Checkpoint checkpoint, string failingTensor, string[] report)
    {
        var error = Assert.IsAssignableFrom<IOException>(consumption.Failure);
        Assert.Equal(failingTensor, consumption.FailedTensor?.Name);
        Assert.Empty(consumption.Mismatches);
        Assert.Equal(ChangingCheckpoint.TensorsBefore(checkpoint, failingTensor), consumption.TensorsVerified);
        Assert.Contains(checkpoint.Shards[ChangingCheckpoint.ChangedShard].Path, error.Message, StringComparison.Ordinal);
        foreach (var words in report)
        {
            Assert.Contains(words, error.Message, StringComparison.Ordinal);
        }
    }
}
