namespace Checkpoints.Synthesis;

/// <summary>
/// The dimensions of a Llama-style decoder (grouped-query attention, SwiGLU MLP) sized so that its weights
/// come close to a requested number of bytes.
/// </summary>
internal sealed record LlamaShape(int Hidden, int Intermediate, int KeyValue, int Layers, int Vocabulary)
{
    private static readonly int[] HiddenSizes = [8192, 4096, 2048, 1024, 512, 256, 128, 64];

    /// <summary>The largest model width that still gets at least four layers out of <paramref name="elements"/> parameters.</summary>
    public static LlamaShape ForElementCount(long elements)
    {
        LlamaShape? smallest = null;
        foreach (var hidden in HiddenSizes)
        {
            var intermediate = RoundUp(hidden * 8 / 3, 64);
            var keyValue = hidden / 4;
            // Embedding and head take about a quarter of the model, capped at the 32,000 tokens of Llama 2.
            var vocabulary = (int)Math.Clamp(elements / 8 / hidden, 256, 32_000);
            var fixedPart = (2L * vocabulary * hidden) + hidden;
            var perLayer = PerLayer(hidden, intermediate, keyValue);
            var layers = (int)Math.Clamp((long)Math.Round((double)(elements - fixedPart) / perLayer), 1, 1024);
            smallest = new LlamaShape(hidden, intermediate, keyValue, layers, vocabulary);
            if (layers >= 4)
            {
                return smallest;
            }
        }

        return smallest!;
    }

    /// <summary>Tensor names and shapes in the order Hugging Face checkpoints store them.</summary>
    public IEnumerable<(string Name, long[] Shape)> Tensors()
    {
        yield return ("model.embed_tokens.weight", [Vocabulary, Hidden]);
        for (var layer = 0; layer < Layers; layer++)
        {
            var prefix = $"model.layers.{layer}.";
            yield return (prefix + "input_layernorm.weight", [Hidden]);
            yield return (prefix + "self_attn.q_proj.weight", [Hidden, Hidden]);
            yield return (prefix + "self_attn.k_proj.weight", [KeyValue, Hidden]);
            yield return (prefix + "self_attn.v_proj.weight", [KeyValue, Hidden]);
            yield return (prefix + "self_attn.o_proj.weight", [Hidden, Hidden]);
            yield return (prefix + "post_attention_layernorm.weight", [Hidden]);
            yield return (prefix + "mlp.gate_proj.weight", [Intermediate, Hidden]);
            yield return (prefix + "mlp.up_proj.weight", [Intermediate, Hidden]);
            yield return (prefix + "mlp.down_proj.weight", [Hidden, Intermediate]);
        }

        yield return ("model.norm.weight", [Hidden]);
        yield return ("lm_head.weight", [Vocabulary, Hidden]);
    }

    private static long PerLayer(long hidden, long intermediate, long keyValue) =>
        (2 * hidden * hidden) + (2 * keyValue * hidden) + (3 * hidden * intermediate) + (2 * hidden);

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
