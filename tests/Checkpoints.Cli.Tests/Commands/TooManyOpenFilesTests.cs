using Checkpoints.Cli.Tests.TestSupport;
using Checkpoints.Files;
using Checkpoints.Format;
using Checkpoints.Loading.Planning;
using Checkpoints.Synthesis;
using Checkpoints.Units;


namespace Checkpoints.Cli.Tests.Commands;

/// <summary>
/// A process with no descriptor left is told which limit to raise, whether it is opening a checkpoint or reading a shard.
/// Provoked in this process, by lowering its limit to the descriptors it has open. A child <c>ckpt</c> cannot show it:
/// the runtime keeps a descriptor per assembly and loads assemblies as it goes, while the loader holds none between its
/// opens, so any limit that leaves the loader nothing leaves the runtime nothing either, and it dies loading its own code
/// before anything can be reported (measured: below about 110 open files; above, 2,000 shards load).
/// </summary>
[Collection(ProcessWideLimits.Name)]
public sealed class TooManyOpenFilesTests : IDisposable
{
    private const string Fix = "raise the limit before starting the process (ulimit -n N, or LimitNOFILE=N for a systemd service)";

    private readonly string _directory = Directory.CreateTempSubdirectory("ckpt-fd-limit-").FullName;
    private readonly string _shard;

    public TooManyOpenFilesTests()
    {
        _shard = Assert.Single(SyntheticCheckpoint.Write(_directory, 256L << 10, 1, DType.BF16));
        // Under the limit the runtime can load nothing more: what opening, reading and the message need is loaded now.
        foreach (var access in new[] { ShardAccess.Read, ShardAccess.Map })
        {
            using var checkpoint = Checkpoint.Open(_shard, Options(access));
            _ = checkpoint.Tensors[0].Bytes.Length;
        }

        _ = ResourceLimit.OpenFiles();
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(ShardAccess.Read)]
    [InlineData(ShardAccess.Map)]
    public void Read_WithNoDescriptorLeft_NamesTheOpenFileLimitAndHowToRaiseIt(ShardAccess access)
    {
        using var checkpoint = Checkpoint.Open(_shard, Options(access));

        IOException? refused;
        long soft;
        using (var limit = DescriptorLimit.LeaveFree(0))
        {
            soft = limit.Soft;
            refused = Record.Exception(() => checkpoint.Tensors[0].Bytes.Length) as IOException;
        }

        Assert.NotNull(refused);
        Assert.Equal($"{_shard}: too many open files: the process may open {Files(soft)} and all are in use; {Fix}", refused.Message);
    }

    [Fact]
    public void Open_WithNoDescriptorLeft_NamesTheOpenFileLimitAndHowToRaiseIt()
    {
        IOException? refused;
        long soft;
        using (var limit = DescriptorLimit.LeaveFree(0))
        {
            soft = limit.Soft;
            refused = Record.Exception(() => Checkpoint.Open(_shard, Options(ShardAccess.Read)).Dispose()) as IOException;
        }

        // The runtime needs descriptors to start the loader's threads, so that is where an open without any fails first.
        Assert.NotNull(refused);
        Assert.Equal($"starting {LoadOptions.DefaultThreads} read threads failed: too many open files: the process may open {Files(soft)} and all are in use; {Fix}",
            refused.Message);
    }

    private static LoadOptions Options(ShardAccess access) => new() { Strategy = LoadStrategy.Lazy, Access = access };

    /// <summary>The limit as the message gives it: .NET raised the soft limit to the hard one at start-up, and the test lowered only the soft.</summary>
    private static string Files(long soft)
    {
        var hard = ResourceLimit.OpenFiles()?.Hard;
        var raise = hard is { } max && max > soft ? $", up to {Invariant.N(max)} without privileges" : string.Empty;
        return $"{Invariant.N(soft)} files (ulimit -n{raise})";
    }
}
