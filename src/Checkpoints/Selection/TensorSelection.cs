using System.Globalization;

namespace Checkpoints.Selection;

/// <summary>
/// What one process needs of a checkpoint: which tensors, and how much of each (<see cref="TensorSlice"/>). Only those
/// bytes are read, prefetched and counted against the memory budget; the other tensors are listed but never read, and
/// shards with nothing selected are not opened beyond their header. Build one with the factories and combine them:
/// <c>TensorSelection.PipelineStage(1, 4).And(TensorSelection.TensorParallel(rank, 2))</c> is rank's half of every weight
/// of the second quarter of the layers.
/// </summary>
/// <remarks>
/// A tensor is selected when the filter takes it; its slice is the one of the first slice rule whose pattern matches its
/// name (rules of <see cref="And"/> and <see cref="Or"/> keep their order, left first), else the whole tensor. A name
/// asked for that the checkpoint lacks, or a pattern that matches nothing, fails the open.
/// </remarks>
public sealed class TensorSelection
{
    private TensorSelection(TensorFilter filter, IReadOnlyList<SliceRule> slices)
    {
        Filter = filter;
        Slices = slices;
    }

    /// <summary>Every tensor, whole: the default.</summary>
    public static TensorSelection All { get; } = new(TensorFilter.Everything.Instance, []);

    /// <summary>Whether this takes every tensor whole.</summary>
    public bool IsAll => Filter is TensorFilter.Everything && Slices.Count == 0;

    internal TensorFilter Filter { get; }

    internal IReadOnlyList<SliceRule> Slices { get; }

    /// <summary>
    /// The tensors named, or matched by a pattern: <c>*</c> any run of characters (dots included), <c>?</c> one character,
    /// <c>{a,b}</c> either text, <c>{0..15}</c> any integer in the range, <c>\</c> the next character literally.
    /// <c>model.layers.{0..15}.*</c> is the first 16 layers, <c>*.experts.{0..7}.*</c> the first 8 experts of every layer.
    /// </summary>
    /// <exception cref="ArgumentException">No names, or a malformed pattern.</exception>
    public static TensorSelection Names(params IEnumerable<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        var parsed = patterns.Select(NamePattern.Parse).ToArray();
        return parsed.Length == 0
            ? throw new ArgumentException("A selection by name needs at least one name or pattern.")
            : new TensorSelection(new TensorFilter.ByNames(parsed), []);
    }

    /// <summary>The tensors whose name <paramref name="predicate"/> accepts; <paramref name="description"/> names it in plans.</summary>
    public static TensorSelection Where(Func<string, bool> predicate, string description = "a predicate")
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return new TensorSelection(new TensorFilter.ByPredicate(predicate, description), []);
    }

    /// <summary>
    /// Layers <paramref name="firstLayer"/> to <paramref name="lastLayer"/> (inclusive), with the embeddings when the range
    /// starts at layer 0 and the final norm and head when it ends at the checkpoint's last layer.
    /// </summary>
    public static TensorSelection Layers(int firstLayer, int lastLayer, PipelineLayout? layout = null)
    {
        if (firstLayer < 0 || lastLayer < firstLayer)
        {
            throw new ArgumentException($"A layer range needs 0 <= first <= last: {firstLayer}-{lastLayer}.");
        }

        return new TensorSelection(new LayerFilter(layout ?? PipelineLayout.Default, layers => (firstLayer, lastLayer, firstLayer == 0, lastLayer >= layers - 1),
            string.Create(CultureInfo.InvariantCulture, $"layers {firstLayer}-{lastLayer}")), []);
    }

    /// <summary>
    /// Pipeline stage <paramref name="stage"/> of <paramref name="stages"/>: its share of the layers (counted in the
    /// checkpoint, split as vLLM splits them: see <see cref="PipelineLayout"/>), the embeddings on the first stage, the
    /// final norm and the head on the last.
    /// </summary>
    public static TensorSelection PipelineStage(int stage, int stages, PipelineLayout? layout = null)
    {
        if (stages < 1 || stage < 0 || stage >= stages)
        {
            throw new ArgumentException($"A pipeline stage needs 0 <= stage < stages: stage {stage} of {stages}.");
        }

        return new TensorSelection(new LayerFilter(layout ?? PipelineLayout.Default, layers =>
        {
            if (layers < stages)
            {
                throw new ArgumentException($"The checkpoint has {layers} layer(s), fewer than the {stages} pipeline stages.");
            }

            var (first, last) = PipelineLayout.StageLayers(stage, stages, layers);
            return (first, last, stage == 0, stage == stages - 1);
        }, string.Create(CultureInfo.InvariantCulture, $"pipeline stage {stage} of {stages}")), []);
    }

    /// <summary>
    /// Tensor-parallel rank <paramref name="rank"/> of <paramref name="size"/>: every tensor, the sharded weights cut as
    /// <paramref name="layout"/> says (Llama-family names by default), the rest whole.
    /// </summary>
    public static TensorSelection TensorParallel(int rank, int size, TensorParallelLayout? layout = null)
    {
        if (size < 1 || rank < 0 || rank >= size)
        {
            throw new ArgumentException($"A tensor-parallel rank needs 0 <= rank < size: rank {rank} of {size}.");
        }

        if (size == 1)
        {
            return All;
        }

        layout ??= TensorParallelLayout.Llama;
        var rules = layout.FirstDimension.Select(pattern => new SliceRule(NamePattern.Parse(pattern), TensorSlice.Split(SliceDimension.First, rank, size)))
            .Concat(layout.LastDimension.Select(pattern => new SliceRule(NamePattern.Parse(pattern), TensorSlice.Split(SliceDimension.Last, rank, size))));
        return new TensorSelection(TensorFilter.Everything.Instance, [.. rules]);
    }

    /// <summary>What <paramref name="ranks"/> needs: its pipeline stage's tensors, cut for its tensor-parallel rank.</summary>
    public static TensorSelection ForRanks(ParallelRanks ranks, TensorParallelLayout? tensorParallel = null, PipelineLayout? pipeline = null)
    {
        ArgumentNullException.ThrowIfNull(ranks);
        var stage = ranks.PipelineSize > 1 ? PipelineStage(ranks.PipelineRank, ranks.PipelineSize, pipeline) : All;
        return stage.And(TensorParallel(ranks.TensorRank, ranks.TensorSize, tensorParallel));
    }

    /// <summary>The tensors both take; slices of this one first.</summary>
    public TensorSelection And(TensorSelection other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var filter = Filter is TensorFilter.Everything ? other.Filter
            : other.Filter is TensorFilter.Everything ? Filter
            : new TensorFilter.Both(Filter, other.Filter);
        return new TensorSelection(filter, [.. Slices, .. other.Slices]);
    }

    /// <summary>The tensors either takes; slices of this one first.</summary>
    public TensorSelection Or(TensorSelection other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var filter = Filter is TensorFilter.Everything || other.Filter is TensorFilter.Everything
            ? TensorFilter.Everything.Instance
            : (TensorFilter)new TensorFilter.Either(Filter, other.Filter);
        return new TensorSelection(filter, [.. Slices, .. other.Slices]);
    }

    /// <summary>The same tensors, with those matching <paramref name="pattern"/> cut as <paramref name="slice"/> (rules added earlier win).</summary>
    public TensorSelection WithSlice(string pattern, TensorSlice slice)
    {
        ArgumentNullException.ThrowIfNull(slice);
        return new TensorSelection(Filter, [.. Slices, new SliceRule(NamePattern.Parse(pattern), slice)]);
    }

    /// <summary>In words, for plans: <c>every tensor</c>, <c>pipeline stage 1 of 4, 12 slice rule(s)</c>.</summary>
    public override string ToString() =>
        Slices.Count == 0 ? Filter.ToString() : string.Create(CultureInfo.InvariantCulture, $"{Filter}, {Slices.Count} slice rule(s)");

    /// <summary>Tensors matching <see cref="Pattern"/> are cut as <see cref="Slice"/>.</summary>
    internal sealed record SliceRule(NamePattern Pattern, TensorSlice Slice);

    /// <summary>The layers a stage needs, decided once the checkpoint's layer count is known.</summary>
    private sealed class LayerFilter(PipelineLayout layout, Func<int, (int First, int Last, bool WithFirst, bool WithLast)> stage, string description) : TensorFilter
    {
        public override Func<string, bool> Bind(IReadOnlyList<string> names)
        {
            var layerOf = layout.LayerOf();
            var layers = names.Select(layerOf).Max() is { } highest ? highest + 1 : 0;
            if (layers == 0)
            {
                throw new ArgumentException($"No tensor name has a layer number (the pattern {layout.LayerPattern}); a pipeline stage cannot be chosen.");
            }

            var (first, last, withFirst, withLast) = stage(layers);
            if (last >= layers)
            {
                throw new ArgumentException($"The checkpoint has {layers} layer(s), 0 to {layers - 1}: {description} asks for layer {last}.");
            }

            var lastStage = layout.LastStageTensors.Select(NamePattern.Parse).ToArray();
            return name => layerOf(name) is { } layer
                ? layer >= first && layer <= last
                : lastStage.Any(pattern => pattern.Matches(name)) ? withLast : withFirst;
        }

        public override string ToString() => description;
    }
}
