using System.Globalization;
using Checkpoints.Loading.Planning;

namespace Checkpoints.TorchSharp;

/// <summary>What a load into a module did.</summary>
public sealed class CheckpointLoadReport
{
    internal CheckpointLoadReport(
        IReadOnlyList<string> loaded,
        IReadOnlyList<string> missingKeys,
        IReadOnlyList<string> unexpectedKeys,
        IReadOnlyList<string> skippedKeys,
        IReadOnlyList<TensorConversion> conversions,
        long bytes,
        TimeSpan elapsed,
        LoadPlan plan)
    {
        Loaded = loaded;
        MissingKeys = missingKeys;
        UnexpectedKeys = unexpectedKeys;
        SkippedKeys = skippedKeys;
        Conversions = conversions;
        Bytes = bytes;
        Elapsed = elapsed;
        Plan = plan;
    }

    /// <summary>The module's parameters and buffers that were written, in checkpoint order.</summary>
    public IReadOnlyList<string> Loaded { get; }

    /// <summary>Parameters and persistent buffers of the module no checkpoint tensor was mapped to (empty in strict mode).</summary>
    public IReadOnlyList<string> MissingKeys { get; }

    /// <summary>Checkpoint tensors (by mapped name) the module has no parameter or buffer for (empty in strict mode).</summary>
    public IReadOnlyList<string> UnexpectedKeys { get; }

    /// <summary>Checkpoint tensors <see cref="CheckpointLoadOptions.MapKey"/> skipped (by checkpoint name).</summary>
    public IReadOnlyList<string> SkippedKeys { get; }

    /// <summary>The tensors converted to their destination's type rather than copied.</summary>
    public IReadOnlyList<TensorConversion> Conversions { get; }

    /// <summary>Checkpoint bytes read into the module.</summary>
    public long Bytes { get; }

    /// <summary>From the call to its return, opening the checkpoint included.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>How the library read each shard, and why.</summary>
    public LoadPlan Plan { get; }

    /// <summary>One line: counts, bytes and time.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Loaded.Count} loaded, {MissingKeys.Count} missing, {UnexpectedKeys.Count} unexpected, {SkippedKeys.Count} skipped, {Conversions.Count} converted; {Bytes:N0} bytes in {Elapsed.TotalSeconds:F3} s");
}
