using System.Diagnostics;
using System.Text.Json;
using Checkpoints.Cli.Tests.TestSupport;

namespace Checkpoints.Cli.Tests.Commands;

public sealed class ProbeCommandTests : IDisposable
{
    private const long GiB = 1L << 30;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ckpt-probe-");

    public void Dispose() => _directory.Delete(recursive: true);

    private static Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) => CliRunner.RunAsync(args);

    private string Shard(string name, int size)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllBytes(path, new byte[size]);
        return path;
    }

    [Fact]
    public async Task Probe_WritesJson_ForAFile()
    {
        var shard = Shard("model.safetensors", 4096);

        var (code, output, _) = await RunAsync("probe", shard, "--json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        var file = Assert.Single(json.RootElement.GetProperty("files").EnumerateArray());
        Assert.Equal(shard, file.GetProperty("path").GetString());
        Assert.Equal(4096, file.GetProperty("sizeBytes").GetInt64());
        Assert.Equal("local", file.GetProperty("class").GetString());
        Assert.True(json.RootElement.GetProperty("memory").GetProperty("bindingAvailableBytes").GetInt64() > 0);
    }

    [Fact]
    public async Task Probe_ListsDirectoryShardsInNameOrder()
    {
        Shard("model-00002-of-00002.safetensors", 10);
        Shard("model-00001-of-00002.safetensors", 20);
        Shard("README.md", 5);

        var (code, output, _) = await RunAsync("probe", _directory.FullName, "--json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(
            ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"],
            json.RootElement.GetProperty("files").EnumerateArray().Select(f => Path.GetFileName(f.GetProperty("path").GetString())));
    }

    [Fact]
    public async Task Probe_WritesTables_ForPeople()
    {
        var shard = Shard("model.safetensors", 4096);

        var (code, output, _) = await RunAsync("probe", shard);

        Assert.Equal(0, code);
        Assert.Contains("Shards", output, StringComparison.Ordinal);
        Assert.Contains("model.safetensors", output, StringComparison.Ordinal);
        Assert.Contains("Memory", output, StringComparison.Ordinal);
        Assert.Contains("Binding:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_ReadsNetwork_WhenTypeIsListedByOption()
    {
        var shard = Shard("model.safetensors", 1);
        var type = JsonDocument.Parse((await RunAsync("probe", shard, "--json")).Output).RootElement
            .GetProperty("files")[0].GetProperty("fileSystemType").GetString()!;

        var (code, output, _) = await RunAsync("probe", shard, "--json", "--network-fs", $"somefs,{type}");

        Assert.Equal(0, code);
        Assert.Equal("network", JsonDocument.Parse(output).RootElement.GetProperty("files")[0].GetProperty("class").GetString());
    }

    [Fact]
    public async Task Probe_FailsWithOneLine_WhenPathIsMissing()
    {
        var missing = Path.Combine(_directory.FullName, "nope");

        var (code, output, error) = await RunAsync("probe", missing);

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, output);
        Assert.Equal($"ckpt: error: {missing}: no such file or directory{Environment.NewLine}", error);
    }

    [Fact]
    public async Task Probe_Fails_WhenDirectoryHasNoShards()
    {
        var (code, _, error) = await RunAsync("probe", _directory.FullName);

        Assert.Equal(1, code);
        Assert.Contains($"ckpt: error: {_directory.FullName}: the directory holds no *.safetensors file", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_ExitsWithUsageError_WithoutPath()
    {
        var (code, _, _) = await RunAsync("probe");

        Assert.Equal(2, code);
    }

    [Fact]
    public async Task Probe_ReportsCgroupLimitAsBinding_WhenRunInOneGiBCgroup()
    {
        var shard = Shard("model.safetensors", 4096);
        var ckpt = Path.Combine(AppContext.BaseDirectory, "ckpt");
        using var cgroup = MemoryCgroup.Create(1 * GiB);

        var command = cgroup.WrapCommand(ckpt, "probe", "--json", shard);
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in command.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        string output;
        string error;
        using (var process = Process.Start(info)!)
        {
            var outputTask = process.StandardOutput.ReadToEndAsync();
            error = await process.StandardError.ReadToEndAsync();
            output = await outputTask;
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"ckpt exited with {process.ExitCode}: {error}");
        }

        using var json = JsonDocument.Parse(output);
        var memory = json.RootElement.GetProperty("memory");
        Assert.Equal("cgroup", memory.GetProperty("bindingSource").GetString());
        Assert.Equal(cgroup.CgroupPath, memory.GetProperty("bindingCgroup").GetString());
        var level = memory.GetProperty("cgroups")[0];
        Assert.Equal(cgroup.CgroupPath, level.GetProperty("path").GetString());
        Assert.Equal(cgroup.Version, level.GetProperty("version").GetInt32());
        Assert.Equal(1 * GiB, level.GetProperty("limitBytes").GetInt64());
        Assert.InRange(memory.GetProperty("bindingAvailableBytes").GetInt64(), 1, 1 * GiB);
    }
}
