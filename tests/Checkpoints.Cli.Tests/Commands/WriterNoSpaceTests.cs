using Checkpoints.Cli.Tests.TestSupport;


namespace Checkpoints.Cli.Tests.Commands;

/// <summary>
/// Writers on a 64 MiB tmpfs: a checkpoint that cannot fit is refused before a byte is written, with the path, the
/// bytes needed and free and the fix; and a mount point, whose parent is another file system, is still written honestly.
/// </summary>
public sealed class WriterNoSpaceTests : IDisposable
{
    private readonly Tmpfs _tmpfs = Tmpfs.Mount("64m");

    public void Dispose() => _tmpfs.Dispose();

    [Fact]
    public async Task Synth_LargerThanTheFileSystem_FailsBeforeWriting()
    {
        var output = Path.Combine(_tmpfs.Path, "out");

        var (exitCode, _, error) = await CliRunner.RunAsync("synth", output, "--size", "1GiB");

        Assert.Equal(1, exitCode);
        Assert.Equal($"ckpt: error: {output}: the checkpoint needs 1 GiB but the file system has 64 MiB free: choose a smaller --size or another directory{Environment.NewLine}", error);
        Assert.Empty(Directory.GetFileSystemEntries(_tmpfs.Path));
    }

    [Fact]
    public async Task Synth_APebibyte_FailsBeforeWriting()
    {
        var output = Path.Combine(_tmpfs.Path, "out");

        var (exitCode, _, error) = await CliRunner.RunAsync("synth", output, "--size", "1024TiB");

        Assert.Equal(1, exitCode);
        Assert.Equal($"ckpt: error: {output}: the checkpoint needs 1024 TiB but the file system has 64 MiB free: choose a smaller --size or another directory{Environment.NewLine}", error);
        Assert.Empty(Directory.GetFileSystemEntries(_tmpfs.Path));
    }

    [Fact]
    public async Task Synth_SizeLargerThanAnyLlamaShape_IsAUsageErrorNamingTheRange()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("synth", Path.Combine(_tmpfs.Path, "out"), "--size", "5000TiB");

        Assert.Equal(2, exitCode);
        Assert.StartsWith("ckpt: --size must be between 173KiB and 2688TiB for a Llama-shaped BF16 checkpoint", error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_tmpfs.Path));
    }

    [Fact]
    public async Task Demo_LargerThanTheTemporaryFolder_FailsBeforeWriting()
    {
        var (exitCode, _, error) = await CkptProcess.RunAsync([], new Dictionary<string, string> { ["TMPDIR"] = _tmpfs.Path }, "demo", "--size", "1GiB");

        Assert.Equal(1, exitCode);
        Assert.Equal($"ckpt: error: {_tmpfs.Path}: the checkpoint needs 1 GiB but the file system has 64 MiB free: choose a smaller --size, or set TMPDIR to a directory with room{Environment.NewLine}", error);
        Assert.Empty(Directory.GetFileSystemEntries(_tmpfs.Path));
    }

    [Fact]
    public async Task Synth_IntoAnEmptyMountPoint_WritesInPlace()
    {
        // The parent is shared with other tests and programs: compare its staging entries before and after.
        string[] Staging() => Directory.GetFileSystemEntries(Path.GetDirectoryName(_tmpfs.Path)!, ".ckpt-staging-*");
        var before = Staging();

        var (exitCode, _, error) = await CliRunner.RunAsync("synth", _tmpfs.Path, "--size", "8MiB", "--shards", "2");

        Assert.Equal(0, exitCode);
        Assert.Equal(string.Empty, error);
        Assert.Equal(3, Directory.GetFiles(_tmpfs.Path).Length);
        Assert.Equal(before, Staging());
    }

    [Fact]
    public async Task Synth_OverACheckpointOnAMountPoint_RefusesEvenWithForce()
    {
        Assert.Equal(0, (await CliRunner.RunAsync("synth", _tmpfs.Path, "--size", "8MiB", "--shards", "2")).ExitCode);

        var (exitCode, _, error) = await CliRunner.RunAsync("synth", _tmpfs.Path, "--size", "8MiB", "--shards", "1", "--force");

        Assert.Equal(1, exitCode);
        Assert.StartsWith($"ckpt: error: {_tmpfs.Path}: cannot stage the new checkpoint beside it", error, StringComparison.Ordinal);
        Assert.Equal(3, Directory.GetFiles(_tmpfs.Path).Length);
    }
}
