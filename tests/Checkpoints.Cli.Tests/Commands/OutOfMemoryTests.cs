using Checkpoints.Cli.Tests.TestSupport;


namespace Checkpoints.Cli.Tests.Commands;

/// <summary>
/// Running out of memory is a one-line error naming the cause and the fix, never a stack trace. Provoked in a child
/// <c>ckpt</c> whose GC heap is capped below the shard an eager load must hold.
/// </summary>
public sealed class OutOfMemoryTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ckpt-out-of-memory-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task EagerLoad_OfAShardLargerThanTheHeapLimit_IsAOneLineErrorNamingTheFix()
    {
        // A hole on disk: read as zeros, fast, and 512 MiB is far more than the 128 MiB heap the child may use.
        var shard = SparseShard.Write(Path.Combine(_directory.FullName, "model.safetensors"), 512L << 20);
        var environment = new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x8000000" };

        var (exitCode, output, error) = await CkptProcess.RunAsync([], environment, "load", shard, "--strategy", "eager", "--json");

        Assert.True(exitCode == 1, $"ckpt exited with {exitCode}: {error}");
        Assert.Equal(string.Empty, output);
        var line = Assert.Single(error.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("ckpt: error: out of memory: ", line, StringComparison.Ordinal);
        Assert.Contains("use --strategy auto or prefetch", line, StringComparison.Ordinal);
    }
}
