namespace Checkpoints.Selection;

/// <summary>
/// Which tensors a selection takes, by name. Bound to a checkpoint's names before use: that is where a name asked for
/// but missing is found, and where a pipeline stage learns how many layers there are.
/// </summary>
internal abstract class TensorFilter
{
    /// <summary>The filter for this checkpoint's names, in order.</summary>
    /// <exception cref="ArgumentException">A name asked for is missing, or a pattern matches no tensor.</exception>
    public abstract Func<string, bool> Bind(IReadOnlyList<string> names);

    public abstract override string ToString();

    internal sealed class Everything : TensorFilter
    {
        public static readonly Everything Instance = new();

        public override Func<string, bool> Bind(IReadOnlyList<string> names) => static _ => true;

        public override string ToString() => "every tensor";
    }

    /// <summary>Names and patterns, any of which takes a tensor; each must take at least one (an exact name: exist).</summary>
    internal sealed class ByNames(IReadOnlyList<NamePattern> patterns) : TensorFilter
    {
        public override Func<string, bool> Bind(IReadOnlyList<string> names)
        {
            foreach (var pattern in patterns.Where(pattern => !names.Any(pattern.Matches)))
            {
                throw new ArgumentException(pattern.IsExact
                    ? $"No tensor is named '{pattern.Text}' ({names.Count} tensors; `ckpt inspect` lists them)."
                    : $"The pattern '{pattern.Text}' matches none of the {names.Count} tensors (`ckpt inspect` lists them).");
            }

            var exact = patterns.Where(static pattern => pattern.IsExact).Select(static pattern => pattern.ExactName!).ToHashSet(StringComparer.Ordinal);
            var wildcards = patterns.Where(static pattern => !pattern.IsExact).ToArray();
            return name => exact.Contains(name) || wildcards.Any(pattern => pattern.Matches(name));
        }

        public override string ToString() => string.Join(" or ", patterns.Select(static pattern => $"'{pattern.Text}'"));
    }

    internal sealed class ByPredicate(Func<string, bool> predicate, string description) : TensorFilter
    {
        public override Func<string, bool> Bind(IReadOnlyList<string> names) => predicate;

        public override string ToString() => description;
    }

    internal sealed class Both(TensorFilter left, TensorFilter right) : TensorFilter
    {
        public override Func<string, bool> Bind(IReadOnlyList<string> names)
        {
            var (first, second) = (left.Bind(names), right.Bind(names));
            return name => first(name) && second(name);
        }

        public override string ToString() => $"({left}) and ({right})";
    }

    internal sealed class Either(TensorFilter left, TensorFilter right) : TensorFilter
    {
        public override Func<string, bool> Bind(IReadOnlyList<string> names)
        {
            var (first, second) = (left.Bind(names), right.Bind(names));
            return name => first(name) || second(name);
        }

        public override string ToString() => $"({left}) or ({right})";
    }
}
