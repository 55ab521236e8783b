using Checkpoints.Loading.Planning;

namespace Checkpoints.Cli.Output;

/// <summary><c>ckpt prefetch --json</c>.</summary>
internal sealed record PrefetchDocument(long BytesRead, long BytesPlanned, long BytesAlreadyCached, double Seconds, LoadPlanJson Plan)
{
    public static PrefetchDocument From(long read, long planned, long alreadyCached, double seconds, LoadPlan plan) =>
        new(read, planned, alreadyCached, seconds, LoadPlanJson.From(plan));
}
