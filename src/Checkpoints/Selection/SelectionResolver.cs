using Checkpoints.Format;

namespace Checkpoints.Selection;

/// <summary>A selection applied to a checkpoint: each tensor's slice (or none), and what each shard must read.</summary>
internal sealed class ResolvedSelection
{
    public ResolvedSelection(TensorSelection selection, IReadOnlyList<SliceGeometry?> tensors, IReadOnlyList<ShardSelection> shards)
    {
        Selection = selection;
        Tensors = tensors;
        Shards = shards;
    }

    public TensorSelection Selection { get; }

    /// <summary>By the catalogue's tensor order: the slice of each selected tensor, null for the others.</summary>
    public IReadOnlyList<SliceGeometry?> Tensors { get; }

    public IReadOnlyList<ShardSelection> Shards { get; }

    public bool IsAll => Selection.IsAll;

    public long SelectedBytes => Shards.Sum(static shard => shard.SelectedBytes);

    /// <summary>Applies <paramref name="selection"/> to <paramref name="catalog"/>.</summary>
    /// <exception cref="ArgumentException">A name asked for is missing, a pattern matches nothing, or a slice does not fit its tensor.</exception>
    public static ResolvedSelection Resolve(CheckpointCatalog catalog, TensorSelection selection, RangeCoalescing coalescing)
    {
        var entries = catalog.Tensors;
        var shards = catalog.Shards;
        if (selection.IsAll)
        {
            return new ResolvedSelection(selection,
                [.. entries.Select(entry => SliceGeometry.Of(entry.Entry, shards[entry.Shard].DataStart + entry.Entry.DataBegin, TensorSlice.Whole))],
                [.. shards.Select(static shard => ShardSelection.Whole(shard.FileLength, shard.Tensors.Sum(static tensor => tensor.ByteLength)))]);
        }

        var takes = selection.Filter.Bind([.. entries.Select(static entry => entry.Entry.Name)]);
        var geometries = new SliceGeometry?[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            var (shard, entry) = (entries[i].Shard, entries[i].Entry);
            if (takes(entry.Name))
            {
                var slice = selection.Slices.FirstOrDefault(rule => rule.Pattern.Matches(entry.Name))?.Slice ?? TensorSlice.Whole;
                geometries[i] = SliceGeometry.Of(entry, shards[shard].DataStart + entry.DataBegin, slice, coalescing.GapBytes);
            }
        }

        var byShard = shards.Select(static _ => new List<SliceGeometry>()).ToArray();
        for (var i = 0; i < entries.Count; i++)
        {
            if (geometries[i] is { } geometry)
            {
                byShard[entries[i].Shard].Add(geometry);
            }
        }

        // Tensors are disjoint and a strided slice's pieces lie inside its tensor: by tensor, the pieces come sorted.
        var perShard = new ShardSelection[shards.Count];
        for (var shard = 0; shard < shards.Count; shard++)
        {
            var ordered = byShard[shard].OrderBy(static geometry => geometry.FileOffset).ToArray();
            var pieces = ordered.SelectMany(static geometry => geometry.Ranges()).ToArray();
            var mapped = ordered.Where(static geometry => !geometry.IsGathered).SelectMany(static geometry => geometry.Ranges()).ToArray();
            perShard[shard] = new ShardSelection(shards[shard].FileLength, byShard[shard].Sum(static geometry => geometry.ByteLength), pieces,
                coalescing.Reads(pieces, shards[shard].FileLength), mapped);
        }

        return new ResolvedSelection(selection, geometries, perShard);
    }
}
