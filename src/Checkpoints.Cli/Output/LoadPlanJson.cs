using Checkpoints.Cli.Infrastructure;
using Checkpoints.Loading.Planning;
using Checkpoints.Storage.FileSystems;

namespace Checkpoints.Cli.Output;

/// <summary>A <see cref="LoadPlan"/>: the <c>plan</c> object of plan, load and prefetch.</summary>
internal sealed record LoadPlanJson(
    string Requested,
    string Summary,
    long? BudgetBytes,
    string Budget,
    long PrefetchBytes,
    long? WindowBytes,
    int Threads,
    int BlockSize,
    long? AvailableBytes,
    string Memory,
    IReadOnlyList<ShardPlanJson> Shards,
    IReadOnlyList<string> Warnings,
    string Selection,
    long SelectedBytes,
    long ReadBytes)
{
    public static LoadPlanJson From(LoadPlan plan) => new(
        Name(plan.Requested),
        plan.Summary,
        plan.BudgetBytes,
        plan.BudgetReason,
        plan.PrefetchBytes,
        plan.WindowBytes,
        plan.Threads,
        plan.BlockSize,
        plan.Memory.BindingAvailableBytes,
        plan.Memory.BindingDescription,
        [.. plan.Shards.Select(ShardPlanJson.From)],
        [.. plan.Warnings.Select(FlagTerms.Translate)],
        plan.Selection,
        plan.SelectedBytes,
        plan.ReadBytes);

    internal static string Name(LoadStrategy strategy) => strategy.ToString().ToLowerInvariant();
}

/// <summary>How one shard will be read (<see cref="ShardPlan"/>).</summary>
internal sealed record ShardPlanJson(
    string Path,
    long Length,
    string FileSystemType,
    string FileSystemClass,
    long? CachedBytes,
    string Strategy,
    string Access,
    bool PrefetchedHere,
    string Reason,
    long SelectedBytes,
    long ReadBytes,
    int ReadRanges,
    bool Skipped)
{
    public static ShardPlanJson From(ShardPlan shard) => new(
        shard.Path,
        shard.Length,
        shard.FileSystem.FileSystemType,
        shard.FileSystem.Class.ToString().ToLowerInvariant(),
        shard.CachedBytes,
        LoadPlanJson.Name(shard.Strategy),
        shard.Access.Name(),
        shard.PrefetchedHere,
        shard.Reason,
        shard.SelectedBytes,
        shard.ReadBytes,
        shard.ReadRanges,
        shard.IsSkipped);
}
