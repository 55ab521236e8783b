using System.Runtime.ExceptionServices;
using Checkpoints.Files;
using Checkpoints.Format;
using Checkpoints.Loading.Access;
using Checkpoints.Loading.Reading;

namespace Checkpoints.Loading.Session;

/// <summary>A shard's validated header and the identity of the file it was read from.</summary>
internal sealed record OpenedShard(ShardHeader Header, FileIdentity Identity);

/// <summary>
/// Reads every shard's header in parallel (over a network each is a round trip or more, so 2,000 shards one after
/// another would take seconds), each under the read timeout, one descriptor per reader at a time.
/// </summary>
internal static class ShardOpening
{
    /// <summary>The headers in shard order; the first shard (in that order) that fails decides the error.</summary>
    public static OpenedShard[] ReadAll(IReadOnlyList<string> paths, ReadPool pool, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var jobs = paths.Select(path => pool.Run($"{path}: reading the header", 0, () => Capture(path), abandon.Token)).ToArray();
        ReadPool.WaitAll(jobs, timeout, abandon, cancellationToken);
        var results = jobs.Select(static job => job.Task.Result).ToArray();
        results.FirstOrDefault(static result => result.Error is not null).Error?.Throw();
        return [.. results.Select(static result => result.Shard!)];
    }

    /// <summary>Opens <paramref name="path"/> and reads its identity and header through the same handle.</summary>
    public static OpenedShard Read(string path)
    {
        using var handle = OpenFileLimit.OpenRead(path);
        var identity = FileIdentity.Of(handle, path);
        var header = ShardHeaderReader.Read(handle, path);
        if (header.FileLength != identity.Length)
        {
            throw ShardChanged.Length(path, identity.Length, header.FileLength);
        }

        return new OpenedShard(header, identity);
    }

    private static (OpenedShard? Shard, ExceptionDispatchInfo? Error) Capture(string path)
    {
        try
        {
            return (Read(path), null);
        }
        catch (Exception exception)
        {
            // Kept and rethrown in shard order, so the error reported does not depend on which read finished first.
            return (null, ExceptionDispatchInfo.Capture(exception));
        }
    }
}
