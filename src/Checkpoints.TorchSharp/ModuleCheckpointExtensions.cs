using System.Diagnostics;
using Checkpoints.Format;
using Checkpoints.TorchSharp.Copying;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace Checkpoints.TorchSharp;

/// <summary>Loading a safetensors checkpoint into a TorchSharp module, in the manner of <c>load_state_dict</c>.</summary>
public static class ModuleCheckpointExtensions
{
    /// <summary>
    /// Writes the checkpoint's tensors into the module's parameters and persistent buffers, in place: one copy from the
    /// checkpoint's storage into each tensor's memory, on several threads, as the library's plan reads ahead.
    /// </summary>
    /// <param name="module">The module; its parameters and buffers must be contiguous CPU tensors.</param>
    /// <param name="path">A <c>.safetensors</c> file, a <c>*.safetensors.index.json</c>, or a directory.</param>
    /// <param name="options">Strictness, key mapping, the library's load options, progress; null for the defaults.</param>
    /// <param name="logger">Where the library's plan and this load are logged; null logs nothing.</param>
    /// <param name="cancellationToken">Stops the load between pieces of at most 64 MiB.</param>
    /// <returns>What was loaded, missing, unexpected, skipped and converted, with bytes and time.</returns>
    /// <exception cref="CheckpointLoadException">
    /// Keys do not match in strict mode, a shape differs, or a dtype has no faithful conversion to its parameter's type.
    /// Nothing is written then: every tensor is checked first.
    /// </exception>
    /// <exception cref="CheckpointFormatException">The checkpoint is broken.</exception>
    /// <exception cref="IOException">Reading failed; the message names the tensor and the library's, the file.</exception>
    /// <exception cref="OperationCanceledException">
    /// <paramref name="cancellationToken"/> was cancelled. Before the copy starts the module is untouched; during it, some
    /// tensors hold the checkpoint's values (or part of them) and the others their old values: load again.
    /// </exception>
    public static CheckpointLoadReport LoadCheckpoint(
        this nn.Module module,
        string path,
        CheckpointLoadOptions? options = null,
        ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= CheckpointLoadOptions.Default;
        logger ??= NullLogger.Instance;
        var threads = options.Threads();
        var stopwatch = Stopwatch.StartNew();

        // The state dict holds the module's own parameter and buffer objects: writing into them is loading.
        var destinations = module.state_dict();
        using var checkpoint = Checkpoint.Open(path, options.LibraryOptions(), logger, cancellationToken);
        var match = KeyMatch.Build([.. checkpoint.Tensors.Where(static tensor => tensor.IsSelected)], destinations.Keys, options.MapKey);
        if (match.Missing.Count > 0 || match.Unexpected.Count > 0)
        {
            if (options.Strict)
            {
                throw match.Mismatch();
            }

            Log.NotStrict(logger, match.Missing.Count, match.Unexpected.Count);
        }

        var copies = match.Pairs.Select(pair => TensorCopy.Plan(pair.Source, pair.Name, destinations[pair.Name])).ToList();
        var conversions = Conversions(copies, logger);
        using (torch.no_grad())
        {
            ParallelCopier.Run(copies, threads, options.Progress, cancellationToken);
        }

        var bytes = copies.Sum(c => c.Source.SelectedByteLength);
        Log.Loaded(logger, copies.Count, bytes, path, stopwatch.Elapsed.TotalSeconds);
        return new CheckpointLoadReport(
            [.. copies.Select(c => c.Name)], match.Missing, match.Unexpected, match.Skipped, conversions, bytes, stopwatch.Elapsed, checkpoint.Plan);
    }

    internal static List<TensorConversion> Conversions(IEnumerable<TensorCopy> copies, ILogger logger)
    {
        var conversions = new List<TensorConversion>();
        foreach (var copy in copies.Where(c => c.Converts))
        {
            Log.Converting(logger, copy.Name, copy.Source.DType, copy.TargetType);
            conversions.Add(new TensorConversion(copy.Source.Name, copy.Name, copy.Source.DType, copy.TargetType));
        }

        return conversions;
    }
}
