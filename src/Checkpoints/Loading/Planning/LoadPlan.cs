using System.Globalization;
using System.Text;
using Checkpoints.Storage.Memory;
using Checkpoints.Units;

namespace Checkpoints.Loading.Planning;

/// <summary>
/// What the loader will do with each shard and why: the strategies, the numbers they rest on, and the reasons
/// in words. Available before any data is read.
/// </summary>
public sealed class LoadPlan
{
    internal LoadPlan(
        LoadStrategy requested,
        IReadOnlyList<ShardPlan> shards,
        MemoryFacts memory,
        long? budgetBytes,
        string budgetReason,
        long prefetchBytes,
        long? windowBytes,
        int threads,
        int blockSize,
        IReadOnlyList<string> warnings,
        string selection)
    {
        Selection = selection;
        Requested = requested;
        Shards = shards;
        Memory = memory;
        BudgetBytes = budgetBytes;
        BudgetReason = budgetReason;
        PrefetchBytes = prefetchBytes;
        WindowBytes = windowBytes;
        Threads = threads;
        BlockSize = blockSize;
        Warnings = warnings;
    }

    /// <summary>The strategy asked for: <see cref="LoadStrategy.Auto"/> unless forced.</summary>
    public LoadStrategy Requested { get; }

    /// <summary>What was selected, in words: <c>every tensor</c> unless <see cref="LoadOptions.Selection"/> says otherwise.</summary>
    public string Selection { get; }

    /// <summary>Bytes of the selected tensors and slices, over all shards.</summary>
    public long SelectedBytes => Shards.Sum(static shard => shard.SelectedBytes);

    /// <summary>Bytes the load reads, over all shards: the selected ranges with the gaps read through, or whole shards.</summary>
    public long ReadBytes => Shards.Sum(static shard => shard.ReadBytes);

    /// <summary>One entry per shard, in loading order.</summary>
    public IReadOnlyList<ShardPlan> Shards { get; }

    /// <summary>The memory facts the plan rests on.</summary>
    public MemoryFacts Memory { get; }

    /// <summary>Bytes that read-ahead and eager buffers may occupy; null when the available memory is unknown.</summary>
    public long? BudgetBytes { get; }

    /// <summary>How the budget was reached.</summary>
    public string BudgetReason { get; }

    /// <summary>Bytes this process's prefetcher will read.</summary>
    public long PrefetchBytes { get; }

    /// <summary>How far the prefetcher may run ahead of the consumer; null when everything it reads fits the budget.</summary>
    public long? WindowBytes { get; }

    /// <summary>Parallel readers.</summary>
    public int Threads { get; }

    /// <summary>Bytes per read.</summary>
    public int BlockSize { get; }

    /// <summary>Things a user should know: a forced strategy that exceeds the budget, an unknown file system, ...</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Whether any shard is prefetched by this process.</summary>
    public bool HasPrefetch => Shards.Any(static shard => shard.PrefetchedHere);

    /// <summary>One line: what is done with how many shards.</summary>
    public string Summary
    {
        get
        {
            var groups = Shards.Where(static shard => !shard.IsSkipped).GroupBy(static shard => (shard.Strategy, shard.Access))
                .Select(group => string.Create(CultureInfo.InvariantCulture,
                    $"{group.Key.Strategy.ToString().ToLowerInvariant()} ({group.Key.Access.Name()}) {group.Count()} shard(s) ({ByteSize.Format(group.Sum(static shard => shard.ReadBytes))})"));
            var skipped = Shards.Count(static shard => shard.IsSkipped) is > 0 and var count
                ? [string.Create(CultureInfo.InvariantCulture, $"{count} shard(s) with nothing selected")]
                : Array.Empty<string>();
            var window = WindowBytes is { } bytes ? $", window {ByteSize.Format(bytes)}" : string.Empty;
            return $"{string.Join(", ", groups.Concat(skipped))}{window}";
        }
    }

    /// <summary>The plan as text: a line per shard with its reason, then the memory numbers.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"plan ({(Requested == LoadStrategy.Auto ? "auto" : "forced " + Requested.ToString().ToLowerInvariant())}): {Summary}").AppendLine();
        var selective = Shards.Any(static shard => !shard.Selection.IsWhole);
        if (selective)
        {
            text.Append(CultureInfo.InvariantCulture, $"  selection: {Selection}: {ByteSize.Format(SelectedBytes)} selected, {ByteSize.Format(ReadBytes)} read of {ByteSize.Format(Shards.Sum(static shard => shard.Length))}").AppendLine();
        }

        foreach (var shard in Shards)
        {
            var name = System.IO.Path.GetFileName(shard.Path);
            if (shard.IsSkipped)
            {
                text.Append(CultureInfo.InvariantCulture, $"  {name}: skipped - {shard.Reason}").AppendLine();
                continue;
            }

            var reads = selective
                ? string.Create(CultureInfo.InvariantCulture, $" [{ByteSize.Format(shard.SelectedBytes)} selected, {ByteSize.Format(shard.ReadBytes)} read in {shard.ReadRanges} range(s)]")
                : string.Empty;
            text.Append(CultureInfo.InvariantCulture, $"  {name}: {shard.Strategy.ToString().ToLowerInvariant()}, {shard.Access.Name()}{reads} - {shard.Reason}").AppendLine();
        }

        text.Append(CultureInfo.InvariantCulture, $"  memory: {Memory.BindingDescription}; budget {BudgetReason}").AppendLine();
        if (PrefetchBytes > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"  prefetch: {ByteSize.Format(PrefetchBytes)} with {Threads} readers of {ByteSize.Format(BlockSize)} blocks");
            text.Append(WindowBytes is { } window ? $", at most {ByteSize.Format(window)} ahead of the reader" : ", all of it at once (it fits the budget)").AppendLine();
        }

        foreach (var warning in Warnings)
        {
            text.Append("  warning: ").Append(warning).AppendLine();
        }

        return text.ToString();
    }
}
