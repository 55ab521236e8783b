using Checkpoints.Loading.Planning;
using static TorchSharp.torch;

namespace Checkpoints.TorchSharp;

/// <summary>How a checkpoint is loaded into TorchSharp tensors. The defaults are those of <c>load_state_dict</c>.</summary>
public sealed class CheckpointLoadOptions
{
    /// <summary>The most copy threads <see cref="MaxDegreeOfParallelism"/> accepts.</summary>
    public const int MaxThreads = 256;

    internal static readonly CheckpointLoadOptions Default = new();

    /// <summary>
    /// True (the default): a module parameter or persistent buffer the checkpoint lacks, or a checkpoint tensor the module
    /// lacks, is an error before any byte is written. False: what matches is loaded and the rest is reported.
    /// Ignored by <see cref="CheckpointTensors.Load"/>, which has no module to compare with.
    /// </summary>
    public bool Strict { get; init; } = true;

    /// <summary>
    /// The name a checkpoint tensor has in the module (for example removing a <c>model.</c> prefix), or null to skip the
    /// tensor. Called once per checkpoint tensor, on the calling thread, after the checkpoint is opened. Without it names
    /// are used as they are.
    /// </summary>
    public Func<string, string?>? MapKey { get; init; }

    /// <summary>How the library reads the checkpoint (strategy, access, memory budget, prefetch threads...); null uses
    /// <see cref="LoadOptions.FromEnvironment"/>. <see cref="LoadOptions.ConsumerCopies"/> is always set: every tensor is
    /// copied into the destination's memory.</summary>
    public LoadOptions? Load { get; init; }

    /// <summary>Told after each piece copied (from the copy threads, so <see cref="Progress{T}"/> posts it to the caller's
    /// context).</summary>
    public IProgress<CheckpointLoadProgress>? Progress { get; init; }

    /// <summary>How many threads copy at once; null: one per processor. Between 1 and <see cref="MaxThreads"/>.</summary>
    public int? MaxDegreeOfParallelism { get; init; }

    /// <summary>
    /// For <see cref="CheckpointTensors.Load"/> only: the type every float tensor (F32, F16, BF16, F8) is created as;
    /// null keeps each dtype's own type (F8 becomes Float32). A module's parameters always keep their own types.
    /// </summary>
    public ScalarType? FloatType { get; init; }

    internal int Threads()
    {
        if (MaxDegreeOfParallelism is { } threads)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1, nameof(MaxDegreeOfParallelism));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(threads, MaxThreads, nameof(MaxDegreeOfParallelism));
            return threads;
        }

        return Environment.ProcessorCount;
    }

    /// <summary>The library's options for this load: tensors are copied out, so cold local shards may be read past the page cache.</summary>
    internal LoadOptions LibraryOptions() => (Load ?? LoadOptions.FromEnvironment()) with { ConsumerCopies = true };
}
