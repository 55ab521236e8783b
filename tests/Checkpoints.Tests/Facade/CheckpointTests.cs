using System.Runtime.InteropServices;
using Checkpoints.Format;
using Checkpoints.Loading.Planning;
using Checkpoints.Tests.TestSupport;
using Checkpoints.Writing;

namespace Checkpoints.Tests.Facade;

public sealed class CheckpointTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private string WriteFloats(string name, params float[] values)
    {
        var path = _directory.File("model.safetensors");
        CheckpointWriter.WriteFile(path, [TensorToWrite.FromBytes(name, DType.F32, [values.Length], MemoryMarshal.AsBytes(values.AsSpan()).ToArray())]);
        return path;
    }

    [Fact]
    public void Tensor_Bytes_AreTheFileBytes_WithoutCopy()
    {
        var path = WriteFloats("w", 1f, 2f, 3f);
        using var checkpoint = Checkpoint.Open(path);
        var tensor = checkpoint["w"];

        Assert.True(tensor.TryGetSpan<float>(out var floats));
        Assert.Equal([1f, 2f, 3f], floats.ToArray());
        var file = File.ReadAllBytes(path);
        Assert.Equal(file.AsSpan((int)tensor.FileOffset, 12).ToArray(), tensor.Bytes.ToArray());
    }

    [Fact]
    public void Tensor_TryGetSpan_RefusesMisalignedData_ButToArrayCopies()
    {
        // An unpadded header leaves the data off 4-byte alignment, as mlx and some C++ writers do.
        var header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        Assert.NotEqual(0, (8 + header.Length) % 4);
        var data = MemoryMarshal.AsBytes(new float[] { 1.5f, -4f }.AsSpan()).ToArray();
        var path = _directory.Write("model.safetensors", Safetensors.Raw(header, data));
        using var checkpoint = Checkpoint.Open(path);

        Assert.False(checkpoint["w"].TryGetSpan<float>(out _));
        Assert.Equal([1.5f, -4f], checkpoint["w"].ToArray<float>());
        Assert.Equal([1.5f, -4f], checkpoint["w"].ToSingleArray());
    }

    [Fact]
    public void Tensor_TryGetSpan_RefusesTypeOfOtherWidth()
    {
        using var checkpoint = Checkpoint.Open(WriteFloats("w", 1f));

        Assert.False(checkpoint["w"].TryGetSpan<double>(out _));
        Assert.Throws<InvalidOperationException>(() => checkpoint["w"].ToArray<short>());
    }

    [Fact]
    public void Tensor_AfterDispose_ThrowsObjectDisposed()
    {
        var checkpoint = Checkpoint.Open(WriteFloats("w", 1f));
        var tensor = checkpoint["w"];
        _ = tensor.Bytes.Length;

        checkpoint.Dispose();
        checkpoint.Dispose();

        Assert.Throws<ObjectDisposedException>(() => tensor.Bytes.Length);
        Assert.Throws<ObjectDisposedException>(() => tensor.ToSingleArray());
    }

    [Fact]
    public void Tensor_GetBytes_RefusesRangesOutsideTheTensor()
    {
        using var checkpoint = Checkpoint.Open(WriteFloats("w", 1f, 2f));
        var tensor = checkpoint["w"];

        Assert.Throws<ArgumentOutOfRangeException>(() => tensor.GetBytes(4, 5).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => tensor.GetBytes(-1, 1).Length);
        Assert.Equal(4, tensor.GetBytes(4, 4).Length);
    }

    [Fact]
    public void Indexer_NamesTheMissingTensor()
    {
        using var checkpoint = Checkpoint.Open(WriteFloats("w", 1f));

        var error = Assert.Throws<KeyNotFoundException>(() => checkpoint["missing"]);

        Assert.Contains("'missing'", error.Message, StringComparison.Ordinal);
        Assert.False(checkpoint.TryGetTensor("missing", out _));
    }

    [Fact]
    public void Open_RefusesToMapShardThatChangedAfterOpening()
    {
        var path = WriteFloats("w", 1f, 2f);
        using var checkpoint = Checkpoint.Open(path);
        using (var stream = File.OpenWrite(path))
        {
            stream.SetLength(stream.Length + 4);
        }

        var error = Assert.Throws<IOException>(() => checkpoint["w"].Bytes.Length);

        Assert.Contains("changed while loading", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisposeAsync_StopsThePrefetch_AndTensorsThrowAfterwards()
    {
        var path = WriteFloats("w", 7f);
        var checkpoint = Checkpoint.Open(path, new LoadOptions { Strategy = LoadStrategy.Prefetch });
        var tensor = checkpoint["w"];

        await checkpoint.DisposeAsync();
        await checkpoint.DisposeAsync();

        Assert.True(checkpoint.PrefetchCompletion.IsCompleted);
        Assert.Throws<ObjectDisposedException>(() => tensor.ToSingleArray());
    }

    [Fact]
    public void Open_HonoursCancellation()
    {
        var path = WriteFloats("w", 1f);

        Assert.Throws<OperationCanceledException>(() => Checkpoint.Open(path, cancellationToken: new CancellationToken(canceled: true)));
    }
}
