using Checkpoints.Cli.Tests.TestSupport;
using Checkpoints.Loading.Access;
using Checkpoints.Loading.Planning;


namespace Checkpoints.Cli.Tests.Commands;

/// <summary>
/// A shard the kernel refuses to map is a one-line error naming the file, the limit reached and the fix: never a crash.
/// Provoked in a child <c>ckpt</c> under an address-space limit (<c>prlimit --as</c>) below the size of the shard.
/// </summary>
public sealed class MapFailureTests : IDisposable
{
    private const long GiB = 1L << 30;

    // The runtime sizes its reservations from the limit, and with the GC heap capped (below) takes about 4 GiB of 8: it
    // starts, and a shard of 64 GiB (a hole on disk) cannot fit whatever it took.
    private const long AddressSpaceLimit = 8 * GiB;
    private const long ShardBytes = 64 * GiB;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ckpt-map-failure-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task LoadWithMapAccess_BeyondTheAddressSpaceLimit_IsAOneLineErrorNamingTheShardTheLimitAndTheFix()
    {
        var shard = SparseShard.Write(Path.Combine(_directory.FullName, "model.safetensors"), ShardBytes);
        // Without the cap the GC reserved 6.75 of the 8 GiB: too close to the limit to count on.
        var environment = new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x10000000" };

        var (exitCode, output, error) = await CkptProcess.RunAsync(Prlimit.Wrap($"--as={AddressSpaceLimit}"), environment,
            "load", shard, "--strategy", "lazy", "--access", "map", "--json");

        Assert.True(exitCode == 1, $"ckpt exited with {exitCode}: {error}");
        Assert.Equal(string.Empty, output);
        var line = Assert.Single(error.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"ckpt: error: {shard}: mapping 64 GiB failed: ", line, StringComparison.Ordinal);
        Assert.Contains("address space is limited to 8 GiB by ulimit -v", line, StringComparison.Ordinal);
        Assert.EndsWith("raise the limit with 'ulimit -v unlimited' before starting the process, or read the shards instead of mapping them with --access read)",
            line, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_WhenTheMapsReachVmMaxMapCount_NamesThatLimitAndItsFix()
    {
        var usage = new MapLimits.Usage(Maps: 65_520, MaxMaps: 65_530, AddressSpaceBytes: 3 * GiB, AddressSpaceLimit: null);

        Assert.Equal(" (the process has 65,520 memory maps and vm.max_map_count is 65,530; raise it with 'sysctl -w vm.max_map_count=N', " +
            "or read the shards instead of mapping them with LoadOptions.Access = ShardAccess.Read)", MapLimits.Explain(usage, 4096));
    }

    [Fact]
    public void Explain_WhenNeitherLimitIsReached_GivesBothNumbers()
    {
        var usage = new MapLimits.Usage(Maps: 400, MaxMaps: 65_530, AddressSpaceBytes: 3 * GiB, AddressSpaceLimit: 16 * GiB);

        Assert.Equal(" (the process has 400 memory maps of vm.max_map_count 65,530 and 3 GiB of address space, ulimit -v 16 GiB; " +
            "raise whichever is reached, or read the shards instead of mapping them with LoadOptions.Access = ShardAccess.Read)", MapLimits.Explain(usage, GiB));
    }
}
