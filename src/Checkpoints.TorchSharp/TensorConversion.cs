using Checkpoints.Format;
using static TorchSharp.torch;

namespace Checkpoints.TorchSharp;

/// <summary>A checkpoint tensor whose values were converted, not copied, because its destination has another type.</summary>
public sealed class TensorConversion
{
    internal TensorConversion(string checkpointName, string name, DType from, ScalarType to)
    {
        CheckpointName = checkpointName;
        Name = name;
        From = from;
        To = to;
    }

    /// <summary>The tensor's name in the checkpoint.</summary>
    public string CheckpointName { get; }

    /// <summary>Its name in the module or dictionary (after <see cref="CheckpointLoadOptions.MapKey"/>).</summary>
    public string Name { get; }

    /// <summary>The checkpoint's dtype.</summary>
    public DType From { get; }

    /// <summary>The destination's type.</summary>
    public ScalarType To { get; }

    /// <summary><c>name: BF16 -> Float32</c>.</summary>
    public override string ToString() => $"{Name}: {From.Name()} -> {To}";
}
