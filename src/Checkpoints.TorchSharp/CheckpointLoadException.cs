namespace Checkpoints.TorchSharp;

/// <summary>
/// A checkpoint does not fit its destination: keys that do not match in strict mode, a shape that differs, a dtype with
/// no faithful conversion to the destination's type, a destination that cannot be written. Raised before any byte is
/// written; the message names the tensors, both sides and what to do.
/// </summary>
public sealed class CheckpointLoadException : Exception
{
    /// <summary>An error without a message.</summary>
    public CheckpointLoadException()
    {
    }

    /// <summary>An error with a message.</summary>
    public CheckpointLoadException(string message)
        : base(message)
    {
    }

    /// <summary>An error with a message and its cause.</summary>
    public CheckpointLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>An error about one tensor.</summary>
    public CheckpointLoadException(string message, string? tensorName)
        : base(message)
    {
        TensorName = tensorName;
    }

    /// <summary>The checkpoint tensor concerned, when the error is about one.</summary>
    public string? TensorName { get; }
}
