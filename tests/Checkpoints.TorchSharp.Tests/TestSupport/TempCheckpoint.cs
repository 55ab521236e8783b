using Checkpoints.Format;
using Checkpoints.Writing;

namespace Checkpoints.TorchSharp.Tests.TestSupport;

/// <summary>A checkpoint written with the library's public writer into a fresh folder, removed on dispose.</summary>
internal sealed class TempCheckpoint : IDisposable
{
    private readonly List<TensorToWrite> _tensors = [];

    /// <param name="parent">The folder to write in (the system temp folder by default; /dev/shm for large ones).</param>
    public TempCheckpoint(string? parent = null)
    {
        Folder = parent is null
            ? Directory.CreateTempSubdirectory("ckpt-torch-test-").FullName
            : Directory.CreateDirectory(System.IO.Path.Combine(parent, $"ckpt-torch-test-{Guid.NewGuid():N}")).FullName;
    }

    public string Folder { get; }

    public string Path => System.IO.Path.Combine(Folder, "model.safetensors");

    public TempCheckpoint Add(string name, DType dtype, long[] shape, byte[] data)
    {
        _tensors.Add(TensorToWrite.FromBytes(name, dtype, shape, data));
        return this;
    }

    public TempCheckpoint Add(TensorToWrite tensor)
    {
        _tensors.Add(tensor);
        return this;
    }

    /// <summary>Writes one file, <see cref="Path"/>, and returns it.</summary>
    public string Write()
    {
        CheckpointWriter.WriteFile(Path, _tensors);
        return Path;
    }

    /// <summary>Writes shards of at most <paramref name="maxShardBytes"/> with an index, and returns the folder.</summary>
    public string WriteSharded(long maxShardBytes)
    {
        CheckpointWriter.WriteSharded(Folder, _tensors, maxShardBytes);
        return Folder;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
