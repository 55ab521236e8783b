namespace Checkpoints.TorchSharp;

/// <summary>How far a load into TorchSharp tensors has come.</summary>
public sealed class CheckpointLoadProgress
{
    internal CheckpointLoadProgress(int tensorsDone, int tensorCount, long bytesDone, long bytesTotal)
    {
        TensorsDone = tensorsDone;
        TensorCount = tensorCount;
        BytesDone = bytesDone;
        BytesTotal = bytesTotal;
    }

    /// <summary>Tensors copied completely.</summary>
    public int TensorsDone { get; }

    /// <summary>Tensors to copy in all.</summary>
    public int TensorCount { get; }

    /// <summary>Checkpoint bytes copied so far.</summary>
    public long BytesDone { get; }

    /// <summary>Checkpoint bytes to copy in all.</summary>
    public long BytesTotal { get; }
}
