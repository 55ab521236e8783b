using System.Runtime.InteropServices;
using Checkpoints.Format;
using Checkpoints.Loading.Planning;
using Checkpoints.Selection;
using Checkpoints.TorchSharp.Tests.TestSupport;
using static TorchSharp.torch;

namespace Checkpoints.TorchSharp.Tests;

/// <summary>With a selection, each tensor's selected slice is what goes into TorchSharp, and unselected tensors are not keys.</summary>
public sealed class SelectionLoadTests : IDisposable
{
    private readonly TempCheckpoint _checkpoint = new();

    public void Dispose() => _checkpoint.Dispose();

    [Fact]
    public void Load_ATensorParallelRank_GivesItsRowsAndColumns_WithAndWithoutConversion()
    {
        var rows = Enumerable.Range(0, 12).Select(static i => (float)i).ToArray();   // [4, 3]
        var columns = Enumerable.Range(0, 8).Select(static i => (float)i).ToArray(); // [2, 4]
        var path = _checkpoint.Add("layers.0.q_proj.weight", DType.F32, [4, 3], Bytes.Of(rows))
            .Add("layers.0.o_proj.weight", DType.F32, [2, 4], Bytes.Of(columns))
            .Add("layers.0.input_layernorm.weight", DType.F32, [2], Bytes.Of(1f, 2f)).Write();
        var selection = TensorSelection.TensorParallel(1, 2);

        foreach (var floatType in new ScalarType?[] { null, ScalarType.Float64 })
        {
            var tensors = CheckpointTensors.Load(path, new CheckpointLoadOptions { Load = new LoadOptions { Selection = selection }, FloatType = floatType });
            try
            {
                Assert.Equal([2, 3], tensors["layers.0.q_proj.weight"].shape);
                Assert.Equal([6.0, 7, 8, 9, 10, 11], Values(tensors["layers.0.q_proj.weight"]));
                Assert.Equal([2, 2], tensors["layers.0.o_proj.weight"].shape);
                Assert.Equal([2.0, 3, 6, 7], Values(tensors["layers.0.o_proj.weight"]));
                Assert.Equal([1.0, 2], Values(tensors["layers.0.input_layernorm.weight"]));
            }
            finally
            {
                foreach (var tensor in tensors.Values)
                {
                    tensor.Dispose();
                }
            }
        }
    }

    [Fact]
    public void LoadCheckpoint_ASelection_FillsTheModulesSlices_AndUnselectedTensorsAreNotUnexpected()
    {
        var path = _checkpoint.Add("x", DType.F32, [4, 2], Bytes.Of(1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f))
            .Add("other", DType.F32, [1], Bytes.Of(9f)).Write();
        using var module = new Holder(ScalarType.Float32, 2, 2);
        var options = new CheckpointLoadOptions { Load = new LoadOptions { Selection = TensorSelection.Names("x").WithSlice("x", TensorSlice.Rows(2, 2)) } };

        var report = module.LoadCheckpoint(path, options);

        Assert.Equal(["x"], report.Loaded);
        Assert.Empty(report.UnexpectedKeys);
        Assert.Equal([5.0, 6, 7, 8], Values(module.X));
        Assert.Equal(16, report.Bytes);
    }

    [Fact]
    public void LoadCheckpoint_ASliceOfTheWrongShape_NamesTheSelection()
    {
        var path = _checkpoint.Add("x", DType.F32, [4, 2], Bytes.Of(1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f)).Write();
        using var module = new Holder(ScalarType.Float32, 4, 2);
        var options = new CheckpointLoadOptions { Load = new LoadOptions { Selection = TensorSelection.All.WithSlice("x", TensorSlice.Rows(0, 2)) } };

        var error = Assert.Throws<CheckpointLoadException>(() => module.LoadCheckpoint(path, options));

        Assert.Contains("has shape [2, 2] as selected (rows [0, 2))", error.Message, StringComparison.Ordinal);
        Assert.Contains("this rank's share", error.Message, StringComparison.Ordinal);
    }

    private static double[] Values(global::TorchSharp.torch.Tensor tensor)
    {
        using var asDouble = tensor.to_type(ScalarType.Float64);
        return MemoryMarshal.Cast<byte, double>(asDouble.bytes).ToArray();
    }
}
