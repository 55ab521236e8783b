namespace Checkpoints.Synthesis;

/// <summary>
/// The dimensions of a Llama-style decoder (grouped-query attention, SwiGLU MLP) sized so that its weights
/// come within a few rows of a requested number of elements.
/// </summary>
public sealed record LlamaShape(int Hidden, int Intermediate, int KeyValue, int Layers, int Vocabulary)
{
    /// <summary>Past any released model's width (Llama 3 405B has 16,384) for sizes no model has, down to a toy width.</summary>
    private static readonly int[] HiddenSizes = [65536, 32768, 16384, 8192, 4096, 2048, 1024, 512, 256, 128, 64];

    /// <summary>Bounds the tensor count (9 per layer) and so the headers, which the format caps at 100 MB.</summary>
    private const int MaxLayers = 32_768;

    private const int MinVocabulary = 256;

    /// <summary>Room for the widest model's leftover, which the vocabulary absorbs (up to about 5.3 rows per unit of width).</summary>
    private const int MaxVocabulary = 1 << 19;

    /// <summary>The smallest model that is still Llama-shaped: the narrowest width, one layer, the smallest vocabulary.</summary>
    public static long MinimumElements { get; } = Create(HiddenSizes[^1], 1, MinVocabulary).ElementCount;

    /// <summary>The largest: the widest model with every layer and the largest vocabulary.</summary>
    public static long MaximumElements { get; } = Create(HiddenSizes[0], MaxLayers, MaxVocabulary).ElementCount;

    public long ElementCount => (2L * Vocabulary * Hidden) + Hidden + (Layers * PerLayer(Hidden, Intermediate, KeyValue));

    /// <summary>
    /// The widest model that still gets at least four layers out of <paramref name="elements"/> parameters, at most
    /// 2 x <see cref="Hidden"/> elements short of it; null outside <see cref="MinimumElements"/>..<see cref="MaximumElements"/>.
    /// </summary>
    public static LlamaShape? ForElementCount(long elements)
    {
        if (elements < MinimumElements || elements > MaximumElements)
        {
            return null;
        }

        foreach (var hidden in HiddenSizes)
        {
            var shape = Create(hidden, 0, 0);
            var perLayer = PerLayer(hidden, shape.Intermediate, shape.KeyValue);
            // Embedding and head take about a quarter of the model, at most the 32,000 tokens of Llama 2 ...
            var vocabulary = Math.Clamp(elements / 8 / hidden, MinVocabulary, 32_000);
            var layers = Math.Min((elements - (2 * vocabulary * hidden) - hidden) / perLayer, MaxLayers);
            if (layers < (hidden == HiddenSizes[^1] ? 1 : 4))
            {
                continue;
            }

            // ... and then whatever whole layers leave over, so the total lands within two rows of the target
            // (whole layers alone miss it by up to half a layer: 12% for a four-layer model).
            vocabulary = (elements - hidden - (layers * perLayer)) / (2L * hidden);
            return Create(hidden, (int)layers, (int)vocabulary);
        }

        return null;
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

    private static LlamaShape Create(int hidden, int layers, int vocabulary) =>
        new(hidden, RoundUp(hidden * 8 / 3, 64), hidden / 4, layers, vocabulary);

    private static long PerLayer(long hidden, long intermediate, long keyValue) =>
        (2 * hidden * hidden) + (2 * keyValue * hidden) + (3 * hidden * intermediate) + (2 * hidden);

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
