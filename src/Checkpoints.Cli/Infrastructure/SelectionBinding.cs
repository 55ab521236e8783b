using System.CommandLine;
using System.Globalization;
using Checkpoints.Selection;

namespace Checkpoints.Cli.Infrastructure;

/// <summary>
/// The options that choose what this process loads: tensor name patterns, a tensor-parallel rank, a pipeline stage or
/// layer range. Ranks not given come from torchrun's <c>RANK</c> and <c>WORLD_SIZE</c>.
/// </summary>
internal sealed class SelectionBinding
{
    private readonly Option<string[]> _select = new("--select")
    {
        Description = "Load only the tensors matching a name or pattern (repeatable): * any text, ? one character, {a,b} either, {0..15} a number range, " +
            "e.g. 'model.layers.{0..15}.*'. The others are listed but never read.",
        HelpName = "pattern",
    };

    private readonly Option<int> _tensorSize = IntegerOption.Create("--tp-size", "Tensor-parallel ranks: this process takes its 1/N of each sharded weight " +
        "(Llama-family names: q/k/v/gate/up and the embeddings by rows, o/down by columns; the rest whole).", 1, 1, 4096);

    private readonly Option<int> _tensorRank = IntegerOption.Create("--tp-rank", "This process's tensor-parallel rank (default: from RANK and WORLD_SIZE).", 0, 0, 4095);

    private readonly Option<int> _pipelineSize = IntegerOption.Create("--pp-size", "Pipeline stages: this process takes its stage's layers " +
        "(split as vLLM splits them; the embeddings on the first, the final norm and head on the last).", 1, 1, 4096);

    private readonly Option<int> _pipelineRank = IntegerOption.Create("--pp-rank", "This process's pipeline stage (default: from RANK and WORLD_SIZE).", 0, 0, 4095);

    private readonly Option<string?> _layers = new("--pp-layers")
    {
        Description = "Take layers A to B (inclusive) instead of a stage: the embeddings too when A is 0, the final norm and head when B is the last layer.",
        HelpName = "A-B",
    };

    public IEnumerable<Option> Options => [_select, _tensorSize, _tensorRank, _pipelineSize, _pipelineRank, _layers];

    /// <summary>Adds the options, with the checks across them.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in Options)
        {
            command.Options.Add(option);
        }

        _layers.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && LayerRange(text) is null)
            {
                result.AddError($"--pp-layers: '{text}' is not a layer range; use A-B with 0 <= A <= B, e.g. 0-15");
            }
        });
        command.Validators.Add(result =>
        {
            if (result.GetResult(_layers) is { Implicit: false } && (result.GetResult(_pipelineSize) is { Implicit: false } || result.GetResult(_pipelineRank) is { Implicit: false }))
            {
                result.AddError("--pp-layers chooses the layers itself: give it without --pp-size and --pp-rank");
            }

            CheckRank(result, _tensorRank, _tensorSize, "--tp-rank", "--tp-size");
            CheckRank(result, _pipelineRank, _pipelineSize, "--pp-rank", "--pp-size");
        });
    }

    /// <summary>The selection the options describe (<see cref="TensorSelection.All"/> when none is given).</summary>
    /// <exception cref="UsageException">A pattern is malformed, or ranks are needed but neither given nor in the environment.</exception>
    public TensorSelection Bind(ParseResult result)
    {
        try
        {
            var selection = result.GetValue(_select) is { Length: > 0 } patterns ? TensorSelection.Names(patterns) : TensorSelection.All;
            var (tensorSize, pipelineSize) = (result.GetValue(_tensorSize), result.GetValue(_pipelineSize));
            var fromEnvironment = (tensorSize > 1 && !Given(result, _tensorRank)) || (pipelineSize > 1 && !Given(result, _pipelineRank))
                ? ParallelRanks.FromEnvironment(tensorSize, pipelineSize)
                : null;
            var ranks = new ParallelRanks(
                !Given(result, _tensorRank) ? fromEnvironment?.TensorRank ?? 0 : result.GetValue(_tensorRank), tensorSize,
                !Given(result, _pipelineRank) ? fromEnvironment?.PipelineRank ?? 0 : result.GetValue(_pipelineRank), pipelineSize);
            if (result.GetValue(_layers) is { } text && LayerRange(text) is var (first, last))
            {
                selection = selection.And(TensorSelection.Layers(first, last));
            }

            return selection.And(TensorSelection.ForRanks(ranks));
        }
        catch (ArgumentException exception)
        {
            throw new UsageException(CommandErrors.Describe(exception), exception);
        }
    }

    /// <summary>Whether <paramref name="option"/> was on the command line (an option with a default has a result either way).</summary>
    private static bool Given(ParseResult result, Option<int> option) => result.GetResult(option) is { Implicit: false };

    private static void CheckRank(System.CommandLine.Parsing.CommandResult result, Option<int> rank, Option<int> size, string rankName, string sizeName)
    {
        // A rank not given is checked when it is bound (it may come from RANK); a size not given is 1.
        if (IntegerOption.Given(result, rank, -1) is >= 0 and var value && IntegerOption.Given(result, size, 1) is >= 1 and var limit && value >= limit)
        {
            result.AddError($"{rankName} must be below {sizeName}: {value} of {limit} (ranks count from 0)");
        }
    }

    private static (int First, int Last)? LayerRange(string text)
    {
        var parts = text.Trim().Split('-');
        return parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var last) && first <= last
                ? (first, last)
                : null;
    }
}
