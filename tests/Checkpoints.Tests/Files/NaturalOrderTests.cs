using Checkpoints.Files;


namespace Checkpoints.Tests.Files;

public sealed class NaturalOrderTests
{
    [Fact]
    public void Compare_OrdersNumbersByValue()
    {
        string[] names = ["model-10.safetensors", "model-2.safetensors", "model-1.safetensors", "model-01.safetensors", "a.safetensors", "model-99999999999999999999999.safetensors"];

        var sorted = names.Order(NaturalOrder.Instance).ToArray();

        Assert.Equal(["a.safetensors", "model-1.safetensors", "model-01.safetensors", "model-2.safetensors", "model-10.safetensors", "model-99999999999999999999999.safetensors"], sorted);
    }

    [Fact]
    public void Compare_IsConsistent_ForZeroPaddedShardNames()
    {
        var names = Enumerable.Range(1, 12).Select(i => $"model-{i:00000}-of-00012.safetensors").Reverse().ToArray();

        Assert.Equal(names.Reverse(), names.Order(NaturalOrder.Instance));
    }

    [Fact]
    public void Compare_IsZeroOnlyForEqualStrings()
    {
        Assert.NotEqual(0, NaturalOrder.Instance.Compare("x1", "x01"));
        Assert.Equal(0, NaturalOrder.Instance.Compare("x1", "x1"));
    }
}
