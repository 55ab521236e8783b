using System.Text.Json;
using Checkpoints.Format;
using Checkpoints.Synthesis;

namespace Checkpoints.Cli.Tests.Commands;

/// <summary>
/// Scripts read the --json documents by name and some by position, so the names, their order and the nulls are
/// part of the interface: a renamed or reordered property fails here rather than in someone's pipeline.
/// </summary>
public sealed class JsonShapeTests : IDisposable
{
    private static readonly string[] PlanProperties =
        ["requested", "summary", "budgetBytes", "budget", "prefetchBytes", "windowBytes", "threads", "blockSize", "availableBytes", "memory", "shards", "warnings",
        "selection", "selectedBytes", "readBytes"];

    private static readonly string[] ShardPlanProperties =
        ["path", "length", "fileSystemType", "fileSystemClass", "cachedBytes", "strategy", "access", "prefetchedHere", "reason",
        "selectedBytes", "readBytes", "readRanges", "skipped"];

    private static readonly string[] TensorProperties = ["name", "dtype", "shape", "byteLength", "shard", "fileOffset", "dataOffsets"];

    // A '+', a quote and a non-ASCII letter: the documents leave the first and last readable, and escape the quote only.
    private readonly string _directory = Directory.CreateTempSubdirectory("ckpt-json+shape \"q\" ü-").FullName;

    public JsonShapeTests() => SyntheticCheckpoint.Write(_directory, 1L << 20, 1, DType.BF16);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Plan_Json_HasItsPropertiesInOrder_WithNullsWritten()
    {
        var (exitCode, output, _) = await CliRunner.RunAsync("plan", _directory, "--strategy", "eager", "--json");

        Assert.Equal(0, exitCode);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(["plan"], Names(json.RootElement));
        var plan = json.RootElement.GetProperty("plan");
        Assert.Equal(PlanProperties, Names(plan));
        Assert.Equal(JsonValueKind.Null, plan.GetProperty("windowBytes").ValueKind);
        Assert.Equal(ShardPlanProperties, Names(Assert.Single(plan.GetProperty("shards").EnumerateArray())));
        AssertWrittenAsBefore(output);
    }

    [Fact]
    public async Task Inspect_Json_HasItsPropertiesInOrder_WithNullsWritten()
    {
        var (exitCode, output, _) = await CliRunner.RunAsync("inspect", _directory, "--json");

        Assert.Equal(0, exitCode);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal(["path", "index", "tensorCount", "totalTensorBytes", "shards", "tensors", "warnings"], Names(root));
        Assert.Equal(JsonValueKind.Null, root.GetProperty("index").ValueKind);
        var shard = Assert.Single(root.GetProperty("shards").EnumerateArray());
        Assert.Equal(["path", "fileLength", "headerLength", "dataOffset", "tensorCount", "metadata"], Names(shard));
        Assert.Equal(["format"], Names(shard.GetProperty("metadata")));
        Assert.All(root.GetProperty("tensors").EnumerateArray(), tensor => Assert.Equal(TensorProperties, Names(tensor)));
        AssertWrittenAsBefore(output);
    }

    [Fact]
    public async Task Inspect_Json_WithHash_AddsTheHashLast()
    {
        var (exitCode, output, _) = await CliRunner.RunAsync("inspect", _directory, "--json", "--hash");

        Assert.Equal(0, exitCode);
        using var json = JsonDocument.Parse(output);
        Assert.All(json.RootElement.GetProperty("tensors").EnumerateArray(), tensor => Assert.Equal([.. TensorProperties, "sha256"], Names(tensor)));
    }

    private static string[] Names(JsonElement element) => [.. element.EnumerateObject().Select(property => property.Name)];

    /// <summary>Two-space indentation, one trailing newline, and the path as it is spelled (only the quote escaped).</summary>
    private void AssertWrittenAsBefore(string output)
    {
        Assert.EndsWith("\n}\n", output, StringComparison.Ordinal);
        Assert.StartsWith("{\n  \"", output, StringComparison.Ordinal);
        Assert.Contains(_directory.Replace("\"", "\\\"", StringComparison.Ordinal), output, StringComparison.Ordinal);
    }
}
