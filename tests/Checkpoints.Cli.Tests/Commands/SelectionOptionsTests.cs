using System.Globalization;
using System.Text.Json;
using Checkpoints.Cli.Tests.TestSupport;
using Checkpoints.Format;
using Checkpoints.Loading.Planning;
using Checkpoints.Selection;
using Checkpoints.Synthesis;

namespace Checkpoints.Cli.Tests.Commands;

/// <summary>--select, --tp-*, --pp-* and the ranks in the environment: what each process reads, and the errors.</summary>
public sealed class SelectionOptionsTests : IDisposable
{
    private static readonly Dictionary<string, string> NoRanks = new() { ["RANK"] = string.Empty, ["WORLD_SIZE"] = string.Empty, ["LOCAL_RANK"] = string.Empty, ["LOCAL_WORLD_SIZE"] = string.Empty };

    private readonly string _directory = Directory.CreateTempSubdirectory("ckpt-select-").FullName;

    public SelectionOptionsTests() => SyntheticCheckpoint.Write(_directory, 4L << 20, 4, DType.BF16);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("--tp-size 2 --tp-rank 1")]
    [InlineData("--pp-size 4 --pp-rank 2")]
    [InlineData("--pp-size 2 --pp-rank 1 --tp-size 2 --tp-rank 0")]
    [InlineData("--select model.layers.{0..1}.* --select lm_head.weight")]
    [InlineData("--pp-layers 0-2")]
    public async Task Load_ReadsTheSelection_WithTheDigestTheLibraryGivesForIt(string options)
    {
        var (exitCode, output, error) = await CliRunner.RunAsync(["load", _directory, "--json", .. options.Split(' ')]);

        Assert.True(exitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        using var checkpoint = Checkpoint.Open(_directory, new LoadOptions { Selection = Selection(options) });
        Assert.Equal(checkpoint.SelectedTensorBytes, json.RootElement.GetProperty("bytes").GetInt64());
        Assert.Equal(checkpoint.SelectedTensorBytes, json.RootElement.GetProperty("plan").GetProperty("selectedBytes").GetInt64());
        Assert.True(checkpoint.SelectedTensorBytes < checkpoint.TotalTensorBytes);
        Assert.Equal(ContentDigest.Compute(checkpoint).Digest.ToString("x16", CultureInfo.InvariantCulture), json.RootElement.GetProperty("digest").GetString());
    }

    [Fact]
    public async Task Plan_ShowsTheSelectedAndReadBytesPerShard()
    {
        var (exitCode, output, _) = await CliRunner.RunAsync("plan", _directory, "--pp-size", "4", "--pp-rank", "3");

        Assert.Equal(0, exitCode);
        Assert.Contains("selection: pipeline stage 3 of 4:", output, StringComparison.Ordinal);
        Assert.Contains("skipped - nothing of it is selected", output, StringComparison.Ordinal);
        Assert.Matches(@"model-00004-of-00004\.safetensors: \w+, \w+ \[[\d.]+ \w+ selected, [\d.]+ \w+ read in \d+ range\(s\)\]", output);
    }

    [Fact]
    public async Task Ranks_ComeFromRankAndWorldSize_WhenNotGiven()
    {
        var environment = new Dictionary<string, string>(NoRanks) { ["RANK"] = "3", ["WORLD_SIZE"] = "4" };

        var (exitCode, output, error) = await CkptProcess.RunAsync([], environment, "plan", _directory, "--tp-size", "2", "--pp-size", "2", "--json");

        Assert.True(exitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.StartsWith("pipeline stage 1 of 2", json.RootElement.GetProperty("plan").GetProperty("selection").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--tp-size 2", "ckpt: RANK and WORLD_SIZE are not set: give this process's ranks explicitly (tensor-parallel 2 x pipeline 1).")]
    [InlineData("--tp-size 2 --tp-rank 2", "ckpt: --tp-rank must be below --tp-size: 2 of 2 (ranks count from 0)")]
    [InlineData("--pp-rank 1", "ckpt: --pp-rank must be below --pp-size: 1 of 1 (ranks count from 0)")]
    [InlineData("--pp-layers 5-2", "ckpt: --pp-layers: '5-2' is not a layer range; use A-B with 0 <= A <= B, e.g. 0-15")]
    [InlineData("--pp-layers 1-2 --pp-size 2 --pp-rank 0", "ckpt: --pp-layers chooses the layers itself: give it without --pp-size and --pp-rank")]
    [InlineData("--select model.{a", "ckpt: The tensor name pattern 'model.{a' is malformed: a '{' is never closed.")]
    [InlineData("--read-whole-at 150%", "ckpt: --read-whole-at: '150%' is not a percentage between 0% and 100%")]
    [InlineData("--coalesce-gap lots", "ckpt: --coalesce-gap: 'lots' is not a size; write it like 4GiB, 512MiB, 1.5GB or 1048576")]
    public async Task Unusable_SelectionOptions_AreUsageErrors(string options, string expected)
    {
        var (exitCode, output, error) = await CkptProcess.RunAsync([], NoRanks, ["plan", _directory, .. options.Split(' ')]);

        Assert.Equal(2, exitCode);
        Assert.Equal(string.Empty, output);
        Assert.Equal(expected, error.Split('\n')[0]);
    }

    [Fact]
    public async Task LocalRanks_ComeFromTheEnvironment_AndNonsenseThereIsAUsageError()
    {
        var environment = new Dictionary<string, string>(NoRanks) { ["LOCAL_RANK"] = "2", ["LOCAL_WORLD_SIZE"] = "2" };

        var (exitCode, _, error) = await CkptProcess.RunAsync([], environment, "plan", _directory);

        Assert.Equal(2, exitCode);
        Assert.StartsWith("ckpt: LOCAL_RANK=2 is not below LOCAL_WORLD_SIZE=2; fix or unset them, or pass --rank and --world-size", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--select", "model.layers.0.mlp.experts.0.w1.weight", "ckpt: error: No tensor is named 'model.layers.0.mlp.experts.0.w1.weight'")]
    [InlineData("--select", "*.experts.*", "ckpt: error: The pattern '*.experts.*' matches none of the")]
    [InlineData("--pp-size", "64", "ckpt: error: The checkpoint has 8 layer(s), fewer than the 64 pipeline stages.")]
    public async Task Selections_TheCheckpointCannotMeet_FailNamingWhatIsMissing(string option, string value, string expected)
    {
        var (exitCode, output, error) = await CkptProcess.RunAsync([], NoRanks, "load", _directory, option, value, "--pp-rank", "0");

        Assert.Equal(1, exitCode);
        Assert.Equal(string.Empty, output);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    private static TensorSelection Selection(string options)
    {
        var words = options.Split(' ');
        string? Value(string name) => Array.IndexOf(words, name) is >= 0 and var at ? words[at + 1] : null;
        int Number(string name, int otherwise) => Value(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : otherwise;
        var selection = words.Contains("--select") ? TensorSelection.Names(words.Where((_, i) => i > 0 && words[i - 1] == "--select")) : TensorSelection.All;
        if (Value("--pp-layers") is { } layers)
        {
            selection = selection.And(TensorSelection.Layers(int.Parse(layers.Split('-')[0], CultureInfo.InvariantCulture), int.Parse(layers.Split('-')[1], CultureInfo.InvariantCulture)));
        }

        return selection.And(TensorSelection.ForRanks(new ParallelRanks(Number("--tp-rank", 0), Number("--tp-size", 1), Number("--pp-rank", 0), Number("--pp-size", 1))));
    }
}
