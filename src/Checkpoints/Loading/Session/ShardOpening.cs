using System.Runtime.ExceptionServices;
using Checkpoints.Files;
using Checkpoints.Format;
using Checkpoints.Loading.Access;
using Checkpoints.Loading.Reading;
using Checkpoints.Storage.Cache;

namespace Checkpoints.Loading.Session;

/// <summary>A shard's validated header, the identity of the file it was read from, and what of it was in the page cache then (null when not asked).</summary>
internal sealed record OpenedShard(ShardHeader Header, FileIdentity Identity, FileResidency? Residency = null);

/// <summary>
/// Reads every shard's header in parallel (over a network each is a round trip or more, so 2,000 shards one after
/// another would take seconds), each under the read timeout, one descriptor per reader at a time.
/// </summary>
internal static class ShardOpening
{
    /// <summary>
    /// The headers in shard order; the first shard (in that order) that fails decides the error. With
    /// <paramref name="residency"/>, each shard's page-cache residency is measured through the handle its header was read
    /// with (after that read, as a probe of the files afterwards would see it), which saves an open per shard.
    /// </summary>
    public static OpenedShard[] ReadAll(IReadOnlyList<string> paths, ReadPool pool, TimeSpan timeout, PageCache? residency, CancellationToken cancellationToken)
    {
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var jobs = paths.Select(path => pool.Run($"{path}: reading the header", 0, () => Capture(path, residency, abandon.Token), abandon.Token)).ToArray();
        ReadPool.WaitAll(jobs, timeout, abandon, cancellationToken);
        var results = jobs.Select(static job => job.Task.Result).ToArray();
        results.FirstOrDefault(static result => result.Error is not null).Error?.Throw();
        return [.. results.Select(static result => result.Shard!)];
    }

    /// <summary>Opens <paramref name="path"/> and reads its identity and header through the same handle.</summary>
    public static OpenedShard Read(string path) => Read(path, residency: null, CancellationToken.None);

    /// <summary>As <see cref="Read(string)"/>, and then, with <paramref name="residency"/>, the file's page-cache residency through the same handle.</summary>
    public static OpenedShard Read(string path, PageCache? residency, CancellationToken cancellationToken)
    {
        using var handle = OpenFileLimit.OpenRead(path);
        var identity = FileIdentity.Of(handle, path);
        var header = ShardHeaderReader.Read(handle, path);
        if (header.FileLength != identity.Length)
        {
            throw ShardChanged.Length(path, identity.Length, header.FileLength);
        }

        return new OpenedShard(header, identity, residency?.GetResidency(handle, path, cancellationToken));
    }

    private static (OpenedShard? Shard, ExceptionDispatchInfo? Error) Capture(string path, PageCache? residency, CancellationToken cancellationToken)
    {
        try
        {
            return (Read(path, residency, cancellationToken), null);
        }
        catch (Exception exception)
        {
            // Kept and rethrown in shard order, so the error reported does not depend on which read finished first.
            return (null, ExceptionDispatchInfo.Capture(exception));
        }
    }
}
