using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Checkpoints.Format;
using Checkpoints.TorchSharp.Conversion;
using TorchSharp;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Checkpoints.TorchSharp.Copying;

/// <summary>
/// One checkpoint tensor and the TorchSharp tensor it goes into, checked (shape, type, device, layout) before any byte
/// is written, with the destination's data address taken once on the calling thread so the copy threads never call
/// into TorchSharp.
/// </summary>
internal sealed class TensorCopy
{
    private TensorCopy(Tensor source, string name, nint destination, ScalarType targetType, ElementKernel kernel, bool converts)
    {
        Source = source;
        Name = name;
        Destination = destination;
        TargetType = targetType;
        Kernel = kernel;
        Converts = converts;
        TargetElementSize = TypeTable.ElementSize(targetType);
    }

    /// <summary>The checkpoint tensor; what is copied is its selected slice (the whole tensor without a selection).</summary>
    public Tensor Source { get; }

    /// <summary>Elements of the selected slice.</summary>
    public long SourceElements => Source.SelectedShape.Aggregate(1L, static (product, extent) => product * extent);

    public string Name { get; }

    /// <summary>The address of the destination's first element (0 for an empty tensor).</summary>
    public nint Destination { get; }

    public ScalarType TargetType { get; }

    public int TargetElementSize { get; }

    public ElementKernel Kernel { get; }

    public bool Converts { get; }

    /// <summary>Checks that <paramref name="source"/> fits <paramref name="destination"/> and plans the copy.</summary>
    public static TensorCopy Plan(Tensor source, string name, TorchTensor destination)
    {
        var target = destination.dtype;
        if (!source.SelectedShape.SequenceEqual(destination.shape))
        {
            var what = source.Slice!.IsWhole ? "in the checkpoint" : $"as selected ({source.Slice})";
            throw new CheckpointLoadException(
                $"Tensor '{source.Name}' has shape [{string.Join(", ", source.SelectedShape)}] {what} but '{name}' has shape "
                + $"[{string.Join(", ", destination.shape)}]; shapes must match exactly: check that the module is built with the checkpoint's configuration"
                + (source.Slice.IsWhole ? "." : " and this rank's share of it."),
                source.Name);
        }

        if (TypeTable.Kernel(source.DType, target, out var refusal) is not { } kernel)
        {
            throw new CheckpointLoadException(
                $"Tensor '{source.Name}' is {source.DType.Name()} in the checkpoint but '{name}' is {target}: {refusal}.", source.Name);
        }

        if (destination.device_type != DeviceType.CPU)
        {
            throw new CheckpointLoadException(
                $"'{name}' is on {destination.device}; this version loads into CPU tensors only: load into the module on the CPU, then move it with module.to(device).",
                source.Name);
        }

        if (!destination.is_contiguous())
        {
            throw new CheckpointLoadException(
                $"'{name}' is not contiguous in memory, so it cannot be written in place; make it contiguous (for example register tensor.contiguous()) before loading.",
                source.Name);
        }

        return new TensorCopy(source, name, DataAddress(destination), target, kernel, TypeTable.Natural(source.DType) != target);
    }

    /// <summary>
    /// The address of a contiguous CPU tensor's first element. <c>Tensor.bytes</c> gives it (storage offset included)
    /// but refuses tensors of 2 GiB or more, so it is asked of a one-element view instead, which any size allows.
    /// </summary>
    private static unsafe nint DataAddress(TorchTensor destination)
    {
        if (destination.numel() == 0)
        {
            return 0;
        }

        using var flat = destination.view(-1);
        using var first = flat.narrow(0, 0, 1);
        return (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(first.bytes));
    }
}
