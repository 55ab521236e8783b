using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LlamaForward;

// RegisterComponents names submodules and parameters after their fields, so the fields carry the checkpoint's names
// ("model.layers.0.self_attn.q_proj.weight"), not the underscore-prefixed names the style rules ask of private fields.
#pragma warning disable IDE1006

/// <summary>A Llama-style causal language model: token ids [batch, tokens] in, logits [batch, tokens, vocabulary] out.</summary>
internal sealed class LlamaForCausalLM : nn.Module<Tensor, Tensor>
{
    private readonly LlamaModel model;
    private readonly Linear lm_head;

    public LlamaForCausalLM(LlamaConfig config)
        : base(nameof(LlamaForCausalLM))
    {
        model = new LlamaModel(config);
        lm_head = nn.Linear(config.Hidden, config.Vocabulary, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => lm_head.forward(model.forward(input));
}

internal sealed class LlamaModel : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embed_tokens;
    private readonly ModuleList<DecoderLayer> layers;
    private readonly RmsNorm norm;
    private readonly Rotary _rotary;

    public LlamaModel(LlamaConfig config)
        : base(nameof(LlamaModel))
    {
        embed_tokens = nn.Embedding(config.Vocabulary, config.Hidden);
        layers = nn.ModuleList([.. Enumerable.Range(0, config.Layers).Select(_ => new DecoderLayer(config))]);
        norm = new RmsNorm(config.Hidden);
        _rotary = new Rotary(config.HeadDim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var (cos, sin) = _rotary.For((int)input.shape[1]);
        var hidden = embed_tokens.forward(input);
        foreach (var layer in layers)
        {
            hidden = layer.forward(hidden, cos, sin);
        }

        return norm.forward(hidden);
    }
}

/// <summary>Pre-norm attention and MLP, each added to the residual stream.</summary>
internal sealed class DecoderLayer : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly RmsNorm input_layernorm;
    private readonly Attention self_attn;
    private readonly RmsNorm post_attention_layernorm;
    private readonly Mlp mlp;

    public DecoderLayer(LlamaConfig config)
        : base(nameof(DecoderLayer))
    {
        input_layernorm = new RmsNorm(config.Hidden);
        self_attn = new Attention(config);
        post_attention_layernorm = new RmsNorm(config.Hidden);
        mlp = new Mlp(config.Hidden, config.Intermediate);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor cos, Tensor sin)
    {
        x = x + self_attn.forward(input_layernorm.forward(x), cos, sin);
        return x + mlp.forward(post_attention_layernorm.forward(x));
    }
}

/// <summary>Causal self-attention with grouped key/value heads and rotary positions.</summary>
internal sealed class Attention : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly Linear q_proj;
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear o_proj;
    private readonly int _heads;
    private readonly int _keyValueHeads;
    private readonly int _headDim;

    public Attention(LlamaConfig config)
        : base(nameof(Attention))
    {
        (_heads, _keyValueHeads, _headDim) = (config.Heads, config.KeyValueHeads, config.HeadDim);
        q_proj = nn.Linear(config.Hidden, _heads * _headDim, hasBias: false);
        k_proj = nn.Linear(config.Hidden, _keyValueHeads * _headDim, hasBias: false);
        v_proj = nn.Linear(config.Hidden, _keyValueHeads * _headDim, hasBias: false);
        o_proj = nn.Linear(_heads * _headDim, config.Hidden, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor cos, Tensor sin)
    {
        var (batch, tokens) = (x.shape[0], x.shape[1]);
        // [batch, heads, tokens, head dim]; each key/value head serves heads / key-value heads query heads.
        var q = Rotary.Apply(q_proj.forward(x).view(batch, tokens, _heads, _headDim).transpose(1, 2), cos, sin);
        var k = Rotary.Apply(k_proj.forward(x).view(batch, tokens, _keyValueHeads, _headDim).transpose(1, 2), cos, sin);
        var v = v_proj.forward(x).view(batch, tokens, _keyValueHeads, _headDim).transpose(1, 2);
        var groups = _heads / _keyValueHeads;
        k = k.repeat_interleave(groups, dim: 1);
        v = v.repeat_interleave(groups, dim: 1);

        var scores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(_headDim);
        var future = torch.ones(tokens, tokens, dtype: ScalarType.Bool).triu(1);
        var weights = scores.masked_fill(future, double.NegativeInfinity).softmax(-1);
        var context = weights.matmul(v).transpose(1, 2).reshape(batch, tokens, _heads * _headDim);
        return o_proj.forward(context);
    }
}

/// <summary>SwiGLU: down(silu(gate(x)) * up(x)).</summary>
internal sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear gate_proj;
    private readonly Linear up_proj;
    private readonly Linear down_proj;

    public Mlp(int hidden, int intermediate)
        : base(nameof(Mlp))
    {
        gate_proj = nn.Linear(hidden, intermediate, hasBias: false);
        up_proj = nn.Linear(hidden, intermediate, hasBias: false);
        down_proj = nn.Linear(intermediate, hidden, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => down_proj.forward(nn.functional.silu(gate_proj.forward(x)) * up_proj.forward(x));
}

/// <summary>x / rms(x) * weight, over the last dimension.</summary>
internal sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private const double Epsilon = 1e-5;
    private readonly Parameter weight;

    public RmsNorm(int size)
        : base(nameof(RmsNorm))
    {
        weight = nn.Parameter(torch.ones(size));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => x * (x.pow(2).mean([-1], keepdim: true) + Epsilon).rsqrt() * weight;
}

#pragma warning restore IDE1006

/// <summary>
/// Rotary position embeddings in the Hugging Face layout (the two halves of a head rotate together). Computed, not
/// loaded: Llama checkpoints carry no tensor for them.
/// </summary>
internal sealed class Rotary(int headDim)
{
    private const double Theta = 10_000;

    public (Tensor Cos, Tensor Sin) For(int tokens)
    {
        var inverse = 1.0 / torch.pow(Theta, torch.arange(0, headDim, 2, dtype: ScalarType.Float32) / headDim);
        var angles = torch.outer(torch.arange(tokens, dtype: ScalarType.Float32), inverse);
        var both = torch.cat([angles, angles], -1);
        return (both.cos(), both.sin());
    }

    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        var half = x.shape[^1] / 2;
        var rotated = torch.cat([-x.narrow(-1, half, half), x.narrow(-1, 0, half)], -1);
        return (x * cos) + (rotated * sin);
    }
}
