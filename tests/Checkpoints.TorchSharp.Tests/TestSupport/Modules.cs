using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace Checkpoints.TorchSharp.Tests.TestSupport;

/// <summary>An embedding, a linear layer and a persistent buffer: "emb.weight", "proj.weight", "proj.bias", "scale".</summary>
internal sealed class TinyModel : nn.Module<TorchTensor, TorchTensor>
{
#pragma warning disable IDE1006 // RegisterComponents names submodules after their fields: "emb.weight", not "_emb.weight".
    private readonly Embedding emb;
    private readonly Linear proj;
#pragma warning restore IDE1006

    public TinyModel()
        : base(nameof(TinyModel))
    {
        emb = nn.Embedding(5, 3);
        proj = nn.Linear(3, 2);
        register_buffer("scale", torch.ones(2));
        RegisterComponents();
    }

    public override TorchTensor forward(TorchTensor input) => proj.forward(emb.forward(input)) * get_buffer("scale")!;
}

/// <summary>A module with one persistent buffer "x" of any type and shape: the destination for dtype tests.</summary>
internal sealed class Holder : nn.Module
{
    public Holder(ScalarType type, params long[] shape)
        : this(torch.zeros(shape, type))
    {
    }

    public Holder(TorchTensor x)
        : base(nameof(Holder))
    {
        register_buffer("x", x);
    }

    public TorchTensor X => get_buffer("x")!;
}
