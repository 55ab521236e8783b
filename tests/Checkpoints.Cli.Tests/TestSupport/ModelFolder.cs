using Checkpoints.Format;
using Checkpoints.Synthesis;

namespace Checkpoints.Cli.Tests.TestSupport;

/// <summary>
/// A fresh temp folder holding a synthetic BF16 checkpoint in its <c>model</c> subfolder, with room beside it for what
/// a test writes (logs, lock folders, scripts, status files); deleted with everything in it on dispose.
/// </summary>
internal sealed class ModelFolder : IDisposable
{
    /// <param name="prefix">The temp folder's name prefix, naming the test class.</param>
    /// <param name="bytes">About how large the checkpoint is (2 shards).</param>
    public ModelFolder(string prefix, long bytes)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory(prefix).FullName;
        Checkpoint = Path.Combine(Directory, "model");
        System.IO.Directory.CreateDirectory(Checkpoint);
        Written = SyntheticCheckpoint.Write(Checkpoint, bytes, 2, DType.BF16);
    }

    /// <summary>The temp folder.</summary>
    public string Directory { get; }

    /// <summary>The checkpoint's folder, <c>model</c> in <see cref="Directory"/>.</summary>
    public string Checkpoint { get; }

    /// <summary>Every file the checkpoint was written as, shards and index.</summary>
    public IReadOnlyList<string> Written { get; }

    /// <summary>The shard files alone.</summary>
    public IReadOnlyList<string> Shards => [.. Written.Where(static file => file.EndsWith(".safetensors", StringComparison.Ordinal))];

    /// <summary><paramref name="name"/> in <see cref="Directory"/>.</summary>
    public string File(string name) => Path.Combine(Directory, name);

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
