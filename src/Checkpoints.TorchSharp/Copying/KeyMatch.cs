namespace Checkpoints.TorchSharp.Copying;

/// <summary>
/// Checkpoint tensors paired with destination names through <see cref="CheckpointLoadOptions.MapKey"/>, in checkpoint
/// order (the order the library's prefetch reads ahead in), with what is left over on either side.
/// </summary>
internal sealed class KeyMatch
{
    private KeyMatch(List<(Tensor Source, string Name)> pairs, List<string> missing, List<string> unexpected, List<string> skipped)
    {
        Pairs = pairs;
        Missing = missing;
        Unexpected = unexpected;
        Skipped = skipped;
    }

    public IReadOnlyList<(Tensor Source, string Name)> Pairs { get; }

    public IReadOnlyList<string> Missing { get; }

    public IReadOnlyList<string> Unexpected { get; }

    public IReadOnlyList<string> Skipped { get; }

    /// <param name="tensors">The checkpoint's tensors.</param>
    /// <param name="destinations">The destination names (a module's state dict), or null to take every mapped tensor.</param>
    /// <param name="mapKey">The rename hook, or null.</param>
    public static KeyMatch Build(IReadOnlyList<Tensor> tensors, IEnumerable<string>? destinations, Func<string, string?>? mapKey)
    {
        var wanted = destinations is null ? null : new HashSet<string>(destinations, StringComparer.Ordinal);
        var taken = new Dictionary<string, string>(StringComparer.Ordinal);
        var pairs = new List<(Tensor, string)>();
        var unexpected = new List<string>();
        var skipped = new List<string>();
        foreach (var tensor in tensors)
        {
            var name = mapKey is null ? tensor.Name : mapKey(tensor.Name);
            if (name is null)
            {
                skipped.Add(tensor.Name);
                continue;
            }

            if (!taken.TryAdd(name, tensor.Name))
            {
                throw new CheckpointLoadException(
                    $"Checkpoint tensors '{taken[name]}' and '{tensor.Name}' both map to '{name}'; make MapKey give each its own name, or null to skip one.",
                    tensor.Name);
            }

            if (wanted is null || wanted.Contains(name))
            {
                pairs.Add((tensor, name));
            }
            else
            {
                unexpected.Add(name);
            }
        }

        var missing = wanted is null ? [] : destinations!.Where(name => !taken.ContainsKey(name)).ToList();
        return new KeyMatch(pairs, missing, unexpected, skipped);
    }

    /// <summary>The strict-mode error: every key that does not match, up to a readable number of each.</summary>
    public CheckpointLoadException Mismatch()
    {
        const int Shown = 10;
        static string List(IReadOnlyList<string> names) => names.Count <= Shown
            ? string.Join(", ", names.Select(n => $"'{n}'"))
            : string.Join(", ", names.Take(Shown).Select(n => $"'{n}'")) + $" and {names.Count - Shown} more";

        var parts = new List<string>();
        if (Missing.Count > 0)
        {
            parts.Add($"missing keys ({Missing.Count}, in the module but not the checkpoint): {List(Missing)}");
        }

        if (Unexpected.Count > 0)
        {
            parts.Add($"unexpected keys ({Unexpected.Count}, in the checkpoint but not the module): {List(Unexpected)}");
        }

        return new CheckpointLoadException(
            $"The checkpoint does not match the module: {string.Join("; ", parts)}. Nothing was loaded. Rename keys with MapKey, "
            + "or set Strict = false to load what matches and find the rest in the report.");
    }
}
