using Checkpoints.Format;
using Checkpoints.TorchSharp.Conversion;
using Checkpoints.TorchSharp.Copying;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Checkpoints.TorchSharp;

/// <summary>A checkpoint as new TorchSharp tensors, for callers without a module (the state-dict form).</summary>
public static class CheckpointTensors
{
    /// <summary>
    /// Creates a CPU tensor for every checkpoint tensor (after <see cref="CheckpointLoadOptions.MapKey"/>) and copies its
    /// values in, once, on several threads. Each dtype becomes its own TorchSharp type; those TorchSharp lacks become the
    /// narrowest that holds every value (F8 as Float32, U16 as Int32, U32 as Int64);
    /// <see cref="CheckpointLoadOptions.FloatType"/> chooses one type for every float tensor.
    /// </summary>
    /// <returns>The tensors by name, in checkpoint order. The caller owns them and disposes them.</returns>
    /// <exception cref="CheckpointLoadException">A dtype has no TorchSharp type nor faithful conversion (U64, F4, F6, F8_E8M0,
    /// the FNUZ types): skip it with MapKey.</exception>
    /// <exception cref="IOException">Reading failed; the message names the tensor. No tensor is left to dispose then.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; no tensor is left to dispose.</exception>
    public static Dictionary<string, TorchTensor> Load(
        string path,
        CheckpointLoadOptions? options = null,
        ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= CheckpointLoadOptions.Default;
        logger ??= NullLogger.Instance;
        var threads = options.Threads();
        if (options.FloatType is { } floatType && !FloatKernels.IsFloatTarget(floatType))
        {
            throw new ArgumentException(
                $"FloatType is {floatType}; it must be Float32, Float16, BFloat16 or Float64.", nameof(options));
        }

        using var checkpoint = Checkpoint.Open(path, options.LibraryOptions(), logger, cancellationToken);
        var match = KeyMatch.Build([.. checkpoint.Tensors.Where(static tensor => tensor.IsSelected)], destinations: null, options.MapKey);
        foreach (var (source, name) in match.Pairs)
        {
            if (TypeTable.ForNewTensor(source.DType, options.FloatType) is null)
            {
                TypeTable.Kernel(source.DType, ScalarType.Float32, out var refusal);
                throw new CheckpointLoadException($"Tensor '{source.Name}' is {source.DType.Name()}: {refusal}.", source.Name);
            }
        }

        var tensors = new Dictionary<string, TorchTensor>(StringComparer.Ordinal);
        try
        {
            var copies = new List<TensorCopy>();
            foreach (var (source, name) in match.Pairs)
            {
                // torch.empty reserves memory without touching it: the copy threads populate the pages, in parallel.
                var tensor = torch.empty([.. source.SelectedShape], TypeTable.ForNewTensor(source.DType, options.FloatType));
                tensors.Add(name, tensor);
                copies.Add(TensorCopy.Plan(source, name, tensor));
            }

            ModuleCheckpointExtensions.Conversions(copies, logger);
            ParallelCopier.Run(copies, threads, options.Progress, cancellationToken);
            return tensors;
        }
        catch
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }

            throw;
        }
    }
}
