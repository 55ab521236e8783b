using Checkpoints.Loading.Planning;


namespace Checkpoints;

/// <summary>What <see cref="CheckpointCache.WarmAsync"/> did: the plan it followed and the bytes it moved.</summary>
public sealed class WarmReport
{
    internal WarmReport(LoadPlan plan, long bytesRead, long bytesPlanned, long bytesFoundCached)
    {
        Plan = plan;
        BytesRead = bytesRead;
        BytesPlanned = bytesPlanned;
        BytesFoundCached = bytesFoundCached;
    }

    /// <summary>The plan, made as for a <see cref="LoadStrategy.Prefetch"/> load.</summary>
    public LoadPlan Plan { get; }

    /// <summary>Bytes read into the page cache by this process.</summary>
    public long BytesRead { get; }

    /// <summary>Bytes this process was to warm: its share of the shards (see <see cref="LoadOptions.Rank"/>).</summary>
    public long BytesPlanned { get; }

    /// <summary>Bytes another process on this node was warming that were found in the page cache already, and not read again.</summary>
    public long BytesFoundCached { get; }
}
