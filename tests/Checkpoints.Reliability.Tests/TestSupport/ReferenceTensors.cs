using Checkpoints.Loading.Planning;
using Checkpoints.Selection;


namespace Checkpoints.Reliability.Tests.TestSupport;

/// <summary>Every tensor's bytes read from a local copy: what a load from anywhere else must hand out.</summary>
internal static class ReferenceTensors
{
    /// <summary>
    /// Tensor name to a copy of its bytes, read from <paramref name="checkpointPath"/> on a local disk; with
    /// <paramref name="selection"/>, the selected tensors' slices.
    /// </summary>
    public static IReadOnlyDictionary<string, byte[]> Read(string checkpointPath, TensorSelection? selection = null)
    {
        // Lazy maps the local files: no prefetch threads, nothing left running.
        using var checkpoint = Checkpoint.Open(checkpointPath, new LoadOptions { Strategy = LoadStrategy.Lazy, Selection = selection ?? TensorSelection.All });
        return checkpoint.Tensors.Where(static tensor => tensor.IsSelected)
            .ToDictionary(static tensor => tensor.Name, static tensor => Selected(tensor).ToArray(), StringComparer.Ordinal);
    }

    /// <summary>The bytes a load hands out for <paramref name="tensor"/>'s selection: its own span when it is whole, else a copy of its slice.</summary>
    public static ReadOnlySpan<byte> Selected(Tensor tensor)
    {
        if (tensor.Slice!.IsWhole)
        {
            return tensor.Bytes;
        }

        var slice = new byte[tensor.SelectedByteLength];
        tensor.CopySelectedTo(0, slice);
        return slice;
    }
}
