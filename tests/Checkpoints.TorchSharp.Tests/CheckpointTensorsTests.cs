using System.Runtime.InteropServices;
using Checkpoints.Format;
using Checkpoints.TorchSharp.Tests.TestSupport;
using static TorchSharp.torch;

namespace Checkpoints.TorchSharp.Tests;

public sealed class CheckpointTensorsTests : IDisposable
{
    private readonly TempCheckpoint _checkpoint = new();

    public void Dispose() => _checkpoint.Dispose();

    [Fact]
    public void Load_CreatesATensorPerCheckpointTensor_InCheckpointOrder_WithItsOwnType()
    {
        var path = _checkpoint.Add("a", DType.BF16, [2, 3], Bytes.Random(12, 1))
            .Add("b", DType.I64, [4], Bytes.Random(32, 2))
            .Add("c", DType.F32, [], Bytes.Of(1.5f))
            .Add("empty", DType.F16, [0, 4], []).Write();

        var tensors = CheckpointTensors.Load(path);
        try
        {
            Assert.Equal(["a", "b", "c", "empty"], tensors.Keys);
            Assert.Equal(ScalarType.BFloat16, tensors["a"].dtype);
            Assert.Equal([2, 3], tensors["a"].shape);
            Assert.Equal(Bytes.Random(12, 1), tensors["a"].bytes.ToArray());
            Assert.Equal(Bytes.Random(32, 2), tensors["b"].bytes.ToArray());
            Assert.Equal(1.5f, tensors["c"].item<float>());
            Assert.Equal(0, tensors["empty"].numel());
        }
        finally
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }
    }

    [Fact]
    public void Load_TypesWithoutATorchSharpType_GoToTheNarrowestThatHoldsThem()
    {
        var path = _checkpoint.Add("f8", DType.F8E4M3, [256], [.. Enumerable.Range(0, 256).Select(i => (byte)i)])
            .Add("u16", DType.U16, [2], [0xFF, 0xFF, 0x01, 0x00])
            .Add("u32", DType.U32, [1], [0xFF, 0xFF, 0xFF, 0xFF]).Write();
        float[] reference;
        using (var opened = Checkpoint.Open(path))
        {
            reference = opened["f8"].ToSingleArray();
        }

        var tensors = CheckpointTensors.Load(path);

        using var f8 = tensors["f8"];
        using var u16 = tensors["u16"];
        using var u32 = tensors["u32"];
        Assert.Equal(ScalarType.Float32, f8.dtype);
        Assert.Equal(reference, MemoryMarshal.Cast<byte, float>(f8.bytes).ToArray());
        Assert.Equal([65535, 1], u16.data<int>().ToArray());
        Assert.Equal([4294967295L], u32.data<long>().ToArray());
    }

    [Fact]
    public void Load_FloatType_ConvertsEveryFloatTensor_AndMapKeyRenamesAndSkips()
    {
        var path = _checkpoint.Add("model.w", DType.F32, [2], Bytes.Of(1f, -2.5f))
            .Add("model.ids", DType.I32, [1], [7, 0, 0, 0])
            .Add("model.skip", DType.F32, [1], Bytes.Of(3f)).Write();
        var options = new CheckpointLoadOptions
        {
            FloatType = ScalarType.BFloat16,
            MapKey = name => name.EndsWith("skip", StringComparison.Ordinal) ? null : name["model.".Length..],
        };

        var tensors = CheckpointTensors.Load(path, options);

        using var w = tensors["w"];
        using var ids = tensors["ids"];
        Assert.Equal(["w", "ids"], tensors.Keys);
        Assert.Equal(ScalarType.BFloat16, w.dtype);
        Assert.Equal([1f, -2.5f], w.to_type(ScalarType.Float32).data<float>().ToArray());
        Assert.Equal(ScalarType.Int32, ids.dtype);
    }

    [Fact]
    public void Load_TypeWithoutAFaithfulConversion_IsAnError()
    {
        var path = _checkpoint.Add("big", DType.U64, [1], new byte[8]).Write();

        var error = Assert.Throws<CheckpointLoadException>(() => CheckpointTensors.Load(path));

        Assert.Equal("big", error.TensorName);
        Assert.Contains("U64", error.Message, StringComparison.Ordinal);
        Assert.Contains("MapKey returning null", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FloatTypeThatIsNoFloatType_IsRefused()
    {
        var path = _checkpoint.Add("a", DType.F32, [1], Bytes.Of(1f)).Write();

        var error = Assert.Throws<ArgumentException>(() => CheckpointTensors.Load(path, new CheckpointLoadOptions { FloatType = ScalarType.Int32 }));

        Assert.Contains("FloatType is Int32", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Cancelled_Throws()
    {
        var path = _checkpoint.Add("a", DType.F32, [1], Bytes.Of(1f)).Write();

        Assert.ThrowsAny<OperationCanceledException>(() => CheckpointTensors.Load(path, cancellationToken: new CancellationToken(canceled: true)));
    }
}
