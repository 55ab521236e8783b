using System.Text.Json;
using Checkpoints.Format;
using Checkpoints.Loading.Planning;
using Checkpoints.Storage.Cache;
using Checkpoints.Synthesis;

namespace Checkpoints.Cli.Tests.Commands;

public sealed class LoadCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ckpt-load-test-").FullName;

    public LoadCommandTests() => SyntheticCheckpoint.Write(_directory, 2L << 20, 2, DType.BF16);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("auto")]
    [InlineData("lazy")]
    [InlineData("eager")]
    [InlineData("prefetch")]
    public async Task Load_Json_ReadsEveryByte_WithTheSameDigestUnderEveryStrategy(string strategy)
    {
        var (exitCode, output, _) = await CliRunner.RunAsync("load", _directory, "--strategy", strategy, "--json", "--block-size", "256KiB");

        Assert.Equal(0, exitCode);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        using var checkpoint = Checkpoint.Open(_directory, new LoadOptions());
        Assert.Equal(checkpoint.TotalTensorBytes, root.GetProperty("bytes").GetInt64());
        Assert.Equal(ContentDigest.Compute(checkpoint).Digest.ToString("x16", System.Globalization.CultureInfo.InvariantCulture), root.GetProperty("digest").GetString());
        Assert.True(root.GetProperty("peakRssBytes").GetInt64() > 0);
        var expected = strategy == "auto" ? "lazy" : strategy;
        Assert.All(root.GetProperty("plan").GetProperty("shards").EnumerateArray(), shard => Assert.Equal(expected, shard.GetProperty("strategy").GetString()));
    }

    [Fact]
    public async Task Load_MemorySpeed_ReportsTheInMemoryCeiling()
    {
        var (exitCode, output, _) = await CliRunner.RunAsync("load", _directory, "--memory-speed", "--json");

        Assert.Equal(0, exitCode);
        using var json = JsonDocument.Parse(output);
        Assert.True(json.RootElement.GetProperty("inMemoryBytesPerSecond").GetDouble() > 0);
    }

    [Fact]
    public async Task Load_Text_ShowsThePlanAndTheMeasurements()
    {
        var (exitCode, output, _) = await CliRunner.RunAsync("load", _directory);

        Assert.Equal(0, exitCode);
        Assert.Contains("plan (auto): lazy (map) 2 shard(s)", output, StringComparison.Ordinal);
        Assert.Contains("peak memory", output, StringComparison.Ordinal);
        Assert.Contains("digest", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--strategy", "fast")]
    [InlineData("--budget", "lots")]
    [InlineData("--budget", "150%")]
    [InlineData("--block-size", "huge")]
    [InlineData("--strategy", "1")]
    [InlineData("--strategy", "lazy,eager")]
    [InlineData("--threads", "0")]
    [InlineData("--threads", "1000")]
    [InlineData("--world-size", "0")]
    [InlineData("--access", "mmap")]
    [InlineData("--read-timeout", "soon")]
    [InlineData("--read-timeout", "0s")]
    [InlineData("--read-timeout", "5 parsecs")]
    public async Task Load_RefusesBadOptions_AsUsageErrors(string option, string value)
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("load", _directory, option, value);

        Assert.Equal(2, exitCode);
        Assert.Contains(option, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("read", "lazy (read) 2 shard(s)")]
    [InlineData("map", "lazy (map) 2 shard(s)")]
    [InlineData("populated", "lazy (populated) 2 shard(s)")]
    public async Task Load_WithAccess_ReadsTheSameBytesThatWay(string access, string summary)
    {
        var (_, mapped, _) = await CliRunner.RunAsync("load", _directory, "--json");
        var (exitCode, output, _) = await CliRunner.RunAsync("load", _directory, "--access", access, "--read-timeout", "30s");
        var (_, json, _) = await CliRunner.RunAsync("load", _directory, "--access", access, "--json");

        Assert.Equal(0, exitCode);
        Assert.Contains(summary, output, StringComparison.Ordinal);
        using var expected = JsonDocument.Parse(mapped);
        using var actual = JsonDocument.Parse(json);
        Assert.Equal(expected.RootElement.GetProperty("digest").GetString(), actual.RootElement.GetProperty("digest").GetString());
    }

    [Fact]
    public async Task Load_WithRankOutsideTheWorld_IsUsageError()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("load", _directory, "--rank", "2", "--world-size", "2");

        Assert.Equal(2, exitCode);
        Assert.StartsWith("ckpt: --rank must be below --world-size: rank 2, world size 2 (ranks count from 0)", error.Trim());
    }

    [Fact]
    public async Task Plan_ReadsNoData_AndExplainsEachShard()
    {
        var (exitCode, output, _) = await CliRunner.RunAsync("plan", _directory, "--budget", "50%", "--strategy", "prefetch", "--json");

        Assert.Equal(0, exitCode);
        using var json = JsonDocument.Parse(output);
        var plan = json.RootElement.GetProperty("plan");
        Assert.Equal("prefetch", plan.GetProperty("requested").GetString());
        Assert.Contains("50%", plan.GetProperty("budget").GetString(), StringComparison.Ordinal);
        Assert.All(plan.GetProperty("shards").EnumerateArray(), shard => Assert.Contains("prefetch was asked for", shard.GetProperty("reason").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task EvictThenPrefetch_MovesTheFilesOutOfAndIntoThePageCache()
    {
        var cache = PageCache.CreateDefault();
        var shards = Directory.GetFiles(_directory, "*.safetensors");
        long Cached() => shards.Sum(shard => cache.GetResidency(shard).CachedBytes!.Value);
        var total = shards.Sum(shard => new FileInfo(shard).Length);

        var (evictCode, evicted, _) = await CliRunner.RunAsync("evict", _directory);
        var afterEvict = Cached();
        var (exitCode, output, _) = await CliRunner.RunAsync("prefetch", _directory, "--json");
        var afterPrefetch = Cached();

        Assert.Equal(0, evictCode);
        Assert.Contains("cached after", evicted, StringComparison.Ordinal);
        Assert.Equal(0, afterEvict);
        Assert.Equal(0, exitCode);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(json.RootElement.GetProperty("bytesPlanned").GetInt64(), json.RootElement.GetProperty("bytesRead").GetInt64());
        Assert.Equal(total, afterPrefetch);
    }

    [Fact]
    public async Task Prefetch_StopsAtTheBudget_AndSaysSo()
    {
        var (exitCode, output, _) = await CliRunner.RunAsync("prefetch", _directory, "--budget", "256KiB", "--block-size", "64KiB", "--threads", "2");

        Assert.Equal(0, exitCode);
        Assert.Contains("stopped at the memory budget (256 KiB)", output, StringComparison.Ordinal);
    }
}
