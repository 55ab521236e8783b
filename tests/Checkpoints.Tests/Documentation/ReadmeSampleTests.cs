using Checkpoints.Synthesis;
using Checkpoints.Tests.TestSupport;

namespace Checkpoints.Tests.Documentation;

/// <summary>The library sample of README.md, compiled and run, so the README cannot drift from the API.</summary>
public sealed class ReadmeSampleTests
{
    [Fact]
    public void LibrarySample_RunsAgainstASyntheticCheckpoint()
    {
        using var directory = new TempDirectory();
        SyntheticCheckpoint.Write(directory.Path, 1L << 20, 2, DType.BF16);
        var lines = new List<string>();

        // --- README sample (with the path and Console.WriteLine substituted) ---
        using var checkpoint = Checkpoint.Open(directory.Path);
        lines.Add(checkpoint.Plan.ToString());
        foreach (var tensor in checkpoint.Tensors)
        {
            lines.Add($"{tensor.Name} {tensor.DType} [{string.Join(", ", tensor.Shape)}]");
            ReadOnlySpan<byte> bytes = tensor.Bytes;
            Assert.Equal(tensor.ByteLength, bytes.Length);
        }

        var embedding = checkpoint["model.embed_tokens.weight"];
        float[] values = embedding.ToSingleArray();
        var typed = embedding.TryGetSpan<ushort>(out var raw);
        // --- end of sample ---

        Assert.StartsWith("plan (auto): lazy (map) 2 shard(s)", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("model.embed_tokens.weight BF16 [", lines[1], StringComparison.Ordinal);
        Assert.Equal(embedding.ElementCount, values.Length);
        Assert.True(typed);
        Assert.Equal(embedding.ElementCount, raw.Length);
    }
}
