using Checkpoints.Loading.Planning;


namespace Checkpoints.Reliability.Tests.TestSupport;

/// <summary>Every tensor's bytes read from a local copy: what a load from anywhere else must hand out.</summary>
internal static class ReferenceTensors
{
    /// <summary>Tensor name to a copy of its bytes, read from <paramref name="checkpointPath"/> on a local disk.</summary>
    public static IReadOnlyDictionary<string, byte[]> Read(string checkpointPath)
    {
        // Lazy maps the local files: no prefetch threads, nothing left running.
        using var checkpoint = Checkpoint.Open(checkpointPath, new LoadOptions { Strategy = LoadStrategy.Lazy });
        return checkpoint.Tensors.ToDictionary(static tensor => tensor.Name, static tensor => tensor.Bytes.ToArray(), StringComparer.Ordinal);
    }
}
