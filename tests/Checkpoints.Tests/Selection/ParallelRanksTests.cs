using Checkpoints.Selection;

namespace Checkpoints.Tests.Selection;

public sealed class ParallelRanksTests
{
    [Theory]
    [InlineData(0, 8, 4, 2, 0, 0)]
    [InlineData(5, 8, 4, 2, 1, 1)]
    [InlineData(7, 8, 4, 2, 3, 1)]
    [InlineData(9, 16, 4, 2, 1, 0)] // a second data-parallel replica loads what rank 1 does
    [InlineData(3, 4, 1, 4, 0, 3)]
    public void GlobalRank_PutsTensorParallelRanksInnermost(int rank, int world, int tensorSize, int pipelineSize, int tensorRank, int stage)
    {
        var ranks = ParallelRanks.FromGlobalRank(rank, world, tensorSize, pipelineSize);

        Assert.Equal(new ParallelRanks(tensorRank, tensorSize, stage, pipelineSize), ranks);
    }

    [Fact]
    public void Environment_GivesTheRanks_AndMissingVariablesAreAnErrorForAGroup()
    {
        var variables = new Dictionary<string, string> { ["RANK"] = "6", ["WORLD_SIZE"] = "8", ["LOCAL_RANK"] = "2", ["LOCAL_WORLD_SIZE"] = "4" };

        Assert.Equal(new ParallelRanks(2, 4, 1, 2), ParallelRanks.FromEnvironment(4, 2, name => variables.GetValueOrDefault(name)));
        Assert.Equal((2, 4), ParallelRanks.LocalFromEnvironment(name => variables.GetValueOrDefault(name)));
        Assert.Equal(new ParallelRanks(0, 1, 0, 1), ParallelRanks.FromEnvironment(1, 1, _ => null));
        Assert.Null(ParallelRanks.LocalFromEnvironment(_ => null));
        Assert.Contains("RANK and WORLD_SIZE are not set", Assert.Throws<ArgumentException>(() => ParallelRanks.FromEnvironment(2, 1, _ => null)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("RANK", "two", "RANK='two' is not a non-negative integer")]
    [InlineData("WORLD_SIZE", "6", "not a multiple of tensor-parallel 4 x pipeline 2")]
    [InlineData("RANK", "8", "0 <= rank < world size")]
    public void Environment_WithNonsense_IsRefusedNamingTheVariable(string name, string value, string message)
    {
        var variables = new Dictionary<string, string> { ["RANK"] = "1", ["WORLD_SIZE"] = "8", [name] = value };

        var error = Assert.Throws<ArgumentException>(() => ParallelRanks.FromEnvironment(4, 2, variable => variables.GetValueOrDefault(variable)));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(32, 4, new[] { 0, 8, 16, 24 }, new[] { 7, 15, 23, 31 })]
    [InlineData(30, 4, new[] { 0, 7, 15, 23 }, new[] { 6, 14, 22, 29 })] // vLLM: the remainder goes to the stages before the last
    [InlineData(5, 2, new[] { 0, 3 }, new[] { 2, 4 })]
    public void Stages_SplitTheLayersAsVllmDoes(int layers, int stages, int[] firsts, int[] lasts)
    {
        for (var stage = 0; stage < stages; stage++)
        {
            Assert.Equal((firsts[stage], lasts[stage]), PipelineLayout.StageLayers(stage, stages, layers));
        }
    }
}
