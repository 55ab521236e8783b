using System.Globalization;

namespace Checkpoints.Selection;

/// <summary>
/// Where one process sits in a tensor-parallel x pipeline-parallel group: its tensor-parallel rank of
/// <see cref="TensorSize"/> and its pipeline stage of <see cref="PipelineSize"/>.
/// </summary>
/// <param name="TensorRank">The tensor-parallel rank, below <paramref name="TensorSize"/>.</param>
/// <param name="TensorSize">Processes sharing each layer.</param>
/// <param name="PipelineRank">The pipeline stage, below <paramref name="PipelineSize"/>.</param>
/// <param name="PipelineSize">Stages the layers are spread over.</param>
public sealed record ParallelRanks(int TensorRank, int TensorSize, int PipelineRank, int PipelineSize)
{
    /// <summary>The global rank variable torchrun sets (and vLLM, DeepSpeed and others read).</summary>
    public const string RankVariable = "RANK";

    /// <summary>The number of processes in the whole job.</summary>
    public const string WorldSizeVariable = "WORLD_SIZE";

    /// <summary>The rank among the processes on this node.</summary>
    public const string LocalRankVariable = "LOCAL_RANK";

    /// <summary>The number of processes on this node.</summary>
    public const string LocalWorldSizeVariable = "LOCAL_WORLD_SIZE";

    /// <summary>
    /// The ranks of global rank <paramref name="rank"/>, ordered as vLLM and Megatron order them: tensor-parallel ranks
    /// innermost (rank = stage x tensorSize + tensorRank), so a tensor-parallel group is on one node. A world larger than
    /// tensorSize x pipelineSize holds data-parallel replicas, which load the same as their counterpart in the first.
    /// </summary>
    /// <exception cref="ArgumentException">The sizes do not fit the world, or the rank is outside it.</exception>
    public static ParallelRanks FromGlobalRank(int rank, int worldSize, int tensorSize, int pipelineSize)
    {
        if (tensorSize < 1 || pipelineSize < 1 || worldSize < 1 || rank < 0 || rank >= worldSize)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Ranks need sizes of at least 1 and 0 <= rank < world size: rank {rank}, world size {worldSize}, tensor-parallel {tensorSize}, pipeline {pipelineSize}."));
        }

        var group = (long)tensorSize * pipelineSize;
        if (worldSize % group != 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"The world size {worldSize} is not a multiple of tensor-parallel {tensorSize} x pipeline {pipelineSize}."));
        }

        var inGroup = (int)(rank % group);
        return new ParallelRanks(inGroup % tensorSize, tensorSize, inGroup / tensorSize, pipelineSize);
    }

    /// <summary>
    /// The ranks of this process from <c>RANK</c> and <c>WORLD_SIZE</c> (see <see cref="FromGlobalRank"/>); when they are
    /// not set, a single process (rank 0 of 1) is assumed only if the group is a single process too.
    /// </summary>
    /// <exception cref="ArgumentException">A variable is not a number, or the sizes do not fit the world it gives.</exception>
    public static ParallelRanks FromEnvironment(int tensorSize, int pipelineSize) =>
        FromEnvironment(tensorSize, pipelineSize, Environment.GetEnvironmentVariable);

    /// <summary>As <see cref="FromEnvironment(int, int)"/>, reading variables through <paramref name="variable"/>.</summary>
    internal static ParallelRanks FromEnvironment(int tensorSize, int pipelineSize, Func<string, string?> variable)
    {
        var rank = Integer(variable, RankVariable);
        var world = Integer(variable, WorldSizeVariable);
        if (rank is null || world is null)
        {
            var group = (long)tensorSize * pipelineSize;
            return group == 1
                ? new ParallelRanks(0, 1, 0, 1)
                : throw new ArgumentException($"{RankVariable} and {WorldSizeVariable} are not set: give this process's ranks explicitly (tensor-parallel {tensorSize} x pipeline {pipelineSize}).");
        }

        return FromGlobalRank(rank.Value, world.Value, tensorSize, pipelineSize);
    }

    /// <summary>This process's rank and the number of processes on this node, from <c>LOCAL_RANK</c> and <c>LOCAL_WORLD_SIZE</c>; null when either is unset.</summary>
    /// <exception cref="ArgumentException">A variable is not a number, or the rank is outside the size.</exception>
    public static (int Rank, int Size)? LocalFromEnvironment() => LocalFromEnvironment(Environment.GetEnvironmentVariable);

    internal static (int Rank, int Size)? LocalFromEnvironment(Func<string, string?> variable)
    {
        if (Integer(variable, LocalRankVariable) is not { } rank || Integer(variable, LocalWorldSizeVariable) is not { } size)
        {
            return null;
        }

        return size >= 1 && rank < size
            ? (rank, size)
            : throw new ArgumentException($"{LocalRankVariable}={rank} is not below {LocalWorldSizeVariable}={size}.");
    }

    /// <summary><c>tensor-parallel rank 1 of 4, pipeline stage 0 of 2</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"tensor-parallel rank {TensorRank} of {TensorSize}, pipeline stage {PipelineRank} of {PipelineSize}");

    private static int? Integer(Func<string, string?> variable, string name)
    {
        var text = variable(name);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ArgumentException($"{name}='{text}' is not a non-negative integer.");
    }
}
