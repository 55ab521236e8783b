using Checkpoints;

namespace LlamaForward;

/// <summary>The dimensions of a Llama-style decoder, as far as its checkpoint's tensor shapes tell them.</summary>
internal sealed record LlamaConfig(int Vocabulary, int Hidden, int Intermediate, int Layers, int Heads, int KeyValueHeads, int HeadDim)
{
    /// <summary>
    /// Shapes give the widths of the query and key/value projections but not how they split into heads (a real model
    /// says so in its config.json): heads of 64, the width of most Llama-style models' smaller sizes, where the
    /// key/value width allows, else one key/value head.
    /// </summary>
    private const int PreferredHeadDim = 64;

    public static LlamaConfig FromCheckpoint(Checkpoint checkpoint)
    {
        var embedding = checkpoint["model.embed_tokens.weight"].Shape;
        var keyValue = (int)checkpoint["model.layers.0.self_attn.k_proj.weight"].Shape[0];
        var intermediate = (int)checkpoint["model.layers.0.mlp.gate_proj.weight"].Shape[0];
        var layers = checkpoint.Tensors.Count(static t => t.Name.StartsWith("model.layers.", StringComparison.Ordinal)
            && t.Name.EndsWith(".input_layernorm.weight", StringComparison.Ordinal));
        var hidden = (int)embedding[1];
        var headDim = keyValue % PreferredHeadDim == 0 ? PreferredHeadDim : keyValue;
        if (hidden % headDim != 0)
        {
            throw new InvalidDataException($"A hidden width of {hidden} does not split into heads of {headDim}.");
        }

        return new LlamaConfig((int)embedding[0], hidden, intermediate, layers, hidden / headDim, keyValue / headDim, headDim);
    }

    public override string ToString() =>
        $"vocabulary {Vocabulary}, hidden {Hidden}, intermediate {Intermediate}, layers {Layers}, heads {Heads} (key/value {KeyValueHeads}) of {HeadDim}";
}
