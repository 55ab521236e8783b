using System.Globalization;
using System.Text.RegularExpressions;

namespace Checkpoints.Selection;

/// <summary>
/// How a checkpoint's tensor names divide into pipeline stages: which tensors belong to transformer layer N, and which
/// of the others (the embeddings, the final norm, the output head) go with the last stage rather than the first.
/// </summary>
public sealed record PipelineLayout
{
    /// <summary>
    /// The layer number is the first <c>layers.N.</c>, <c>h.N.</c>, <c>blocks.N.</c> or <c>layer.N.</c> in the name, as
    /// Llama, Mistral, Qwen, Mixtral (<c>model.layers.N.</c>), GPT-2 (<c>transformer.h.N.</c>) and BERT
    /// (<c>encoder.layer.N.</c>) write them.
    /// </summary>
    public const string DefaultLayerPattern = @"(?:^|\.)(?:layers|h|blocks|layer)\.(\d+)\.";

    /// <summary>Llama-family and GPT-style names: the final norm and the output head go with the last stage, everything else outside the layers with the first.</summary>
    public static PipelineLayout Default { get; } = new();

    /// <summary>A regular expression whose first group is the layer number of a tensor inside a layer.</summary>
    public string LayerPattern { get; init; } = DefaultLayerPattern;

    /// <summary>Name patterns (see <see cref="TensorSelection.Names"/>) of the tensors outside the layers that the last stage loads; the rest go to the first.</summary>
    public IReadOnlyList<string> LastStageTensors { get; init; } = ["lm_head.*", "*norm.*", "*ln_f.*", "*final_layernorm.*"];

    /// <summary>A function giving the layer number of a tensor name, or null for a tensor outside the layers.</summary>
    internal Func<string, int?> LayerOf()
    {
        var regex = new Regex(LayerPattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        return name => regex.Match(name) is { Success: true } match && match.Groups.Count > 1
            && int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var layer)
                ? layer
                : null;
    }

    /// <summary>
    /// The layers [first, last] of stage <paramref name="stage"/> of <paramref name="stages"/> for <paramref name="layers"/>
    /// layers, split as vLLM splits them: L / S each, and the remainder one each to the stages before the last (which also
    /// computes the head).
    /// </summary>
    internal static (int First, int Last) StageLayers(int stage, int stages, int layers)
    {
        var sizes = Enumerable.Repeat(layers / stages, stages).ToArray();
        for (var i = 2; i < (layers % stages) + 2; i++)
        {
            sizes[^i]++;
        }

        var first = sizes.Take(stage).Sum();
        return (first, first + sizes[stage] - 1);
    }
}
