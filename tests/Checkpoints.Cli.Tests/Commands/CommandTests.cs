using System.Text.Json;
using Checkpoints.Format;
using Checkpoints.Synthesis;

namespace Checkpoints.Cli.Tests.Commands;

public sealed class CommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ckpt-cli-test-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Demo_ReadsEveryTensor_AndRemovesItsFolder()
    {
        var (exitCode, output, error) = await CliRunner.RunAsync("demo", "--size", "4MiB");

        Assert.Equal(0, exitCode);
        Assert.Equal(string.Empty, error);
        Assert.Contains("XXH3 digest", output, StringComparison.Ordinal);
        var folder = output.Split("removed ")[1].Trim();
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task Verify_ValidCheckpoint_ExitsZero()
    {
        SyntheticCheckpoint.Write(_directory, 1L << 20, 2, DType.BF16);

        var (exitCode, output, _) = await CliRunner.RunAsync("verify", _directory);

        Assert.Equal(0, exitCode);
        Assert.Contains("valid: 2 shard(s)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_BrokenCheckpoint_ExitsOne_AndNamesTheFile()
    {
        SyntheticCheckpoint.Write(_directory, 1L << 20, 2, DType.BF16);
        var shard = Directory.GetFiles(_directory, "*.safetensors").Order().First();
        File.WriteAllText(shard, "<html>Access denied</html>");

        var (exitCode, output, error) = await CliRunner.RunAsync("verify", _directory);

        Assert.Equal(1, exitCode);
        var lines = error.Trim().Split('\n');
        Assert.All(lines, line => Assert.Matches("^ckpt: (error|warning): ", line));
        var problems = lines.Where(static line => line.StartsWith("ckpt: error: ", StringComparison.Ordinal)).ToArray();
        Assert.Equal($"invalid: {problems.Length} problem(s) in 2 shard(s) (listed on standard error)", output.Trim());
        Assert.StartsWith($"ckpt: error: {shard}", problems[0], StringComparison.Ordinal);
        Assert.Contains("HTML", problems[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_Json_CarriesRuleAndFile()
    {
        var path = Path.Combine(_directory, "model.safetensors");
        File.WriteAllBytes(path, []);

        var (exitCode, output, _) = await CliRunner.RunAsync("verify", path, "--json");

        Assert.Equal(1, exitCode);
        using var json = JsonDocument.Parse(output);
        var error = json.RootElement.GetProperty("errors")[0];
        Assert.Equal("EmptyFile", error.GetProperty("rule").GetString());
        Assert.Equal(path, error.GetProperty("file").GetString());
    }

    [Theory]
    [InlineData("verify")]
    [InlineData("verify", "a", "b")]
    [InlineData("inspect", "--no-such-option", "x")]
    [InlineData("synth", "out", "--size", "lots")]
    [InlineData("synth", "out", "--dtype", "f128")]
    [InlineData("no-such-command")]
    public async Task UsageErrors_ExitTwo_WithAMessage(params string[] args)
    {
        var (exitCode, _, error) = await CliRunner.RunAsync(args);

        Assert.Equal(2, exitCode);
        Assert.StartsWith("ckpt: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_Json_ListsTensorsWithOffsets()
    {
        SyntheticCheckpoint.Write(_directory, 1L << 20, 2, DType.F16);

        var (exitCode, output, _) = await CliRunner.RunAsync("inspect", _directory, "--json", "--hash");

        Assert.Equal(0, exitCode);
        using var json = JsonDocument.Parse(output);
        var tensors = json.RootElement.GetProperty("tensors");
        Assert.Equal("model.embed_tokens.weight", tensors[0].GetProperty("name").GetString());
        Assert.Equal("F16", tensors[0].GetProperty("dtype").GetString());
        Assert.Equal(0, tensors[0].GetProperty("dataOffsets")[0].GetInt64());
        Assert.Equal(64, tensors[0].GetProperty("sha256").GetString()!.Length);
        Assert.Equal(2, json.RootElement.GetProperty("shards").GetArrayLength());
    }

    [Fact]
    public async Task Inspect_Table_ShowsShardsAndTensors()
    {
        SyntheticCheckpoint.Write(_directory, 1L << 20, 1, DType.BF16);

        var (exitCode, output, _) = await CliRunner.RunAsync("inspect", _directory);

        Assert.Equal(0, exitCode);
        Assert.Contains("model.safetensors", output, StringComparison.Ordinal);
        Assert.Contains("lm_head.weight", output, StringComparison.Ordinal);
        Assert.Contains("format = pt", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_MissingPath_IsOneLineError_ExitOne()
    {
        var missing = Path.Combine(_directory, "missing");

        var (exitCode, _, error) = await CliRunner.RunAsync("inspect", missing);

        Assert.Equal(1, exitCode);
        Assert.Equal($"ckpt: error: {missing}: no such file or directory", error.Trim());
    }

    [Fact]
    public async Task Inspect_LfsPointer_SaysToFetchTheRealFile()
    {
        var path = Path.Combine(_directory, "model.safetensors");
        File.WriteAllText(path, "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n");

        var (exitCode, _, error) = await CliRunner.RunAsync("inspect", path);

        Assert.Equal(1, exitCode);
        Assert.Contains("git lfs pull", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Synth_WritesTheRequestedShards()
    {
        var (exitCode, _, _) = await CliRunner.RunAsync("synth", _directory, "--size", "2MiB", "--shards", "3", "--dtype", "f32");

        Assert.Equal(0, exitCode);
        Assert.Equal(3, Directory.GetFiles(_directory, "*.safetensors").Length);
        using var checkpoint = Checkpoint.Open(_directory);
        Assert.All(checkpoint.Tensors, t => Assert.Equal(DType.F32, t.DType));
    }
}
