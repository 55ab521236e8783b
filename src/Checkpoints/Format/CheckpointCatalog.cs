using Checkpoints.Units;


namespace Checkpoints.Format;

/// <summary>
/// All tensors of a checkpoint across its shards, checked against each other and against the index:
/// every name once, every index entry where the index says.
/// </summary>
internal sealed class CheckpointCatalog
{
    /// <summary>How many index entries that disagree with the shards are reported one by one; the rest are counted.</summary>
    public const int MaxReportedIndexMismatches = 20;

    private CheckpointCatalog(IReadOnlyList<ShardHeader> shards, IReadOnlyList<CatalogEntry> tensors, IReadOnlyList<string> warnings)
    {
        Shards = shards;
        Tensors = tensors;
        Warnings = warnings;
    }

    public IReadOnlyList<ShardHeader> Shards { get; }

    /// <summary>Tensors in shard order, then data order within each shard.</summary>
    public IReadOnlyList<CatalogEntry> Tensors { get; }

    /// <summary>Inconsistencies worth telling a user that do not make the checkpoint unreadable.</summary>
    public IReadOnlyList<string> Warnings { get; }

    public long TotalTensorBytes => Tensors.Sum(static tensor => tensor.Entry.ByteLength);

    /// <summary>Builds the catalog, throwing the first error found.</summary>
    /// <param name="shardPaths">The shard files the checkpoint's layout lists, whether or not their headers could be read.</param>
    /// <param name="index">The shard index, when the checkpoint has one.</param>
    /// <param name="shards">The headers that were read.</param>
    public static CheckpointCatalog Build(IReadOnlyList<string> shardPaths, ShardIndex? index, IReadOnlyList<ShardHeader> shards)
    {
        var errors = new List<CheckpointFormatException>();
        var catalog = Build(shardPaths, index, shards, errors);
        return errors.Count > 0 ? throw errors[0] : catalog;
    }

    /// <summary>Builds the catalog, adding every error found to <paramref name="errors"/> (for verification).</summary>
    public static CheckpointCatalog Build(IReadOnlyList<string> shardPaths, ShardIndex? index, IReadOnlyList<ShardHeader> shards, List<CheckpointFormatException> errors)
    {
        var tensors = new List<CatalogEntry>();
        var owners = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var shard = 0; shard < shards.Count; shard++)
        {
            foreach (var entry in shards[shard].Tensors)
            {
                if (owners.TryAdd(entry.Name, shard))
                {
                    tensors.Add(new CatalogEntry(shard, entry));
                    continue;
                }

                errors.Add(new CheckpointFormatException(shards[shard].FilePath, FormatRule.DuplicateTensor,
                    $"tensor '{entry.Name}' is held by two shards, {Path.GetFileName(shards[owners[entry.Name]].FilePath)} and " +
                    $"{Path.GetFileName(shards[shard].FilePath)}: the folder mixes two checkpoints (or two copies of one); remove the stray files",
                    tensorName: entry.Name));
            }
        }

        var warnings = new List<string>();
        if (index is not null)
        {
            CheckAgainstIndex(shardPaths, index, shards, owners, errors, warnings);
        }

        return new CheckpointCatalog(shards, tensors, warnings);
    }

    private static void CheckAgainstIndex(IReadOnlyList<string> shardPaths, ShardIndex index, IReadOnlyList<ShardHeader> shards,
        Dictionary<string, int> owners, List<CheckpointFormatException> errors, List<string> warnings)
    {
        var shardByName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var shard = 0; shard < shards.Count; shard++)
        {
            shardByName[Path.GetFullPath(shards[shard].FilePath)] = shard;
        }

        // A hostile or mismatched index can name millions of tensors no shard holds: report the first few one by one
        // and the rest as a count, so the report stays readable and its memory bounded.
        var mismatches = 0;
        var directory = Path.GetDirectoryName(Path.GetFullPath(index.Path))!;
        var unreadShards = shardPaths.Select(Path.GetFullPath).Except(shardByName.Keys, StringComparer.Ordinal).ToHashSet(StringComparer.Ordinal);
        var pathByName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (tensor, shardName) in index.WeightMap)
        {
            if (!pathByName.TryGetValue(shardName, out var shardPath))
            {
                shardPath = Path.GetFullPath(Path.Combine(directory, shardName));
                pathByName[shardName] = shardPath;
            }

            if (shardByName.TryGetValue(shardPath, out var expected) && owners.TryGetValue(tensor, out var actual) && actual == expected)
            {
                continue;
            }

            if (unreadShards.Contains(shardPath))
            {
                // The shard's header could not be read (its own error says why): its tensors are not "missing".
                continue;
            }

            if (++mismatches > MaxReportedIndexMismatches)
            {
                continue;
            }

            var where = owners.TryGetValue(tensor, out var holder)
                ? $"it is in {Path.GetFileName(shards[holder].FilePath)}"
                : "no shard holds it";
            errors.Add(new CheckpointFormatException(index.Path, FormatRule.TensorNotInShard,
                $"the index places tensor '{tensor}' in {shardName}, but {where}: the index and the shards come from different versions; download them again together",
                tensorName: tensor));
        }

        if (mismatches > MaxReportedIndexMismatches)
        {
            errors.Add(new CheckpointFormatException(index.Path, FormatRule.TensorNotInShard,
                $"and {Invariant.N(mismatches - MaxReportedIndexMismatches)} more index entries (of {Invariant.N(index.WeightMap.Count)}) name tensors their shard does not hold: " +
                "the index and the shards come from different versions; download them again together"));
        }

        var unlisted = owners.Keys.Where(name => !index.WeightMap.ContainsKey(name)).ToArray();
        if (unlisted.Length > 0)
        {
            warnings.Add($"{Path.GetFileName(index.Path)} does not list {unlisted.Length} tensor(s) that the shards hold (first: '{unlisted[0]}'); they are loaded anyway");
        }

        if (index.TotalSize is { } declared && unreadShards.Count == 0)
        {
            var tensorBytes = shards.Sum(static shard => shard.Tensors.Sum(static tensor => tensor.ByteLength));
            var fileBytes = shards.Sum(static shard => shard.FileLength);
            if (declared != tensorBytes && declared != fileBytes)
            {
                warnings.Add($"{Path.GetFileName(index.Path)} says metadata.total_size is {Invariant.N(declared)} bytes, but the shards hold {Invariant.N(tensorBytes)} bytes of tensors ({Invariant.N(fileBytes)} bytes of files)");
            }
        }
    }
}

/// <summary>A tensor of the catalog and the index of the shard that holds it.</summary>
internal readonly record struct CatalogEntry(int Shard, TensorEntry Entry);
