using System.Text.Json;
using Checkpoints.Cli.Tests.TestSupport;
using Checkpoints.Files;

namespace Checkpoints.Cli.Tests.Commands;

/// <summary>
/// A checkpoint of 2,000 shards loads within a limit of 256 open files, in every way of reading it: the loader holds a
/// few descriptors at a time, never one per shard. The limit is set on a child <c>ckpt</c>, soft and hard, so the
/// runtime cannot raise it; the runtime keeps a descriptor per assembly, so 256 leaves the loader about 150.
/// </summary>
public sealed class ManyShardsTests(ManyShardCheckpoint checkpoint) : IClassFixture<ManyShardCheckpoint>
{
    private const int OpenFileLimit = 256;

    [Theory]
    [InlineData("--access", "map")]
    [InlineData("--access", "read")]
    [InlineData("--access", "populated")]
    [InlineData("--strategy", "eager")]
    [InlineData("--strategy", "prefetch")]
    public async Task Load_TwoThousandShards_WithinAnOpenFileLimitOf256_GivesTheUnlimitedDigest(string option, string value)
    {
        var (expectedCode, expected, _) = await CliRunner.RunAsync("load", checkpoint.Folder, "--json");
        Assert.Equal(0, expectedCode);

        var (exitCode, output, error) = await CkptProcess.RunAsync(Prlimit.Wrap($"--nofile={OpenFileLimit}:{OpenFileLimit}"), new Dictionary<string, string>(),
            "load", checkpoint.Folder, "--json", option, value);

        Assert.True(exitCode == 0, $"ckpt exited with {exitCode} under a limit of {OpenFileLimit} open files: {error}");
        using var unlimited = JsonDocument.Parse(expected);
        using var limited = JsonDocument.Parse(output);
        // The option took effect on every shard, so the way of reading named is the one that ran under the limit.
        var shards = limited.RootElement.GetProperty("plan").GetProperty("shards");
        Assert.Equal(ManyShardCheckpoint.ShardCount, shards.GetArrayLength());
        Assert.All(shards.EnumerateArray(), shard => Assert.Equal(value, shard.GetProperty(option.TrimStart('-')).GetString()));
        Assert.Equal(unlimited.RootElement.GetProperty("bytes").GetInt64(), limited.RootElement.GetProperty("bytes").GetInt64());
        Assert.Equal(unlimited.RootElement.GetProperty("digest").GetString(), limited.RootElement.GetProperty("digest").GetString());
    }
}
