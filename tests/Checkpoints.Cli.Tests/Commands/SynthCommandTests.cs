using System.Globalization;
using Checkpoints.Format;
using Checkpoints.Synthesis;

namespace Checkpoints.Cli.Tests.Commands;

/// <summary>
/// <c>ckpt synth</c> into a directory that is not empty: it refuses, or with <c>--force</c> replaces a checkpoint
/// whole; never a mix of an old checkpoint and a new one. And impossible requests are usage errors in CLI terms.
/// Sizes beyond the disk are asked for only on a small tmpfs (<see cref="WriterNoSpaceTests"/>): a regression must
/// not fill the machine's disk.
/// </summary>
public sealed class SynthCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("ckpt-synth-test-").FullName;

    private string Out => Path.Combine(_root, "out");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Synth_IntoADirectoryHoldingACheckpoint_RefusesWithoutForce_AndLeavesItIntact()
    {
        Assert.Equal(0, (await CliRunner.RunAsync("synth", Out, "--size", "2MiB", "--shards", "3", "--seed", "1")).ExitCode);
        var before = Snapshot(Out);

        var (exitCode, _, error) = await CliRunner.RunAsync("synth", Out, "--size", "2MiB", "--shards", "1", "--seed", "2");

        Assert.Equal(1, exitCode);
        Assert.Equal(
            $"ckpt: error: {Out}: already holds a checkpoint; add --force to replace it (the new one is written beside it and swapped in whole), or choose a new or empty directory{Environment.NewLine}",
            error);
        Assert.Equal(before, Snapshot(Out));
        Assert.Equal(["out"], Directory.GetFileSystemEntries(_root).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Synth_WithForce_ReplacesTheCheckpointWhole()
    {
        Assert.Equal(0, (await CliRunner.RunAsync("synth", Out, "--size", "2MiB", "--shards", "3", "--seed", "1")).ExitCode);

        var (exitCode, _, error) = await CliRunner.RunAsync("synth", Out, "--size", "2MiB", "--shards", "1", "--seed", "2", "--force");

        Assert.Equal(0, exitCode);
        Assert.Equal(string.Empty, error);
        Assert.Equal(["model.safetensors"], Directory.GetFileSystemEntries(Out).Select(Path.GetFileName));
        Assert.Equal(["out"], Directory.GetFileSystemEntries(_root).Select(Path.GetFileName));
        var fresh = Path.Combine(_root, "fresh");
        SyntheticCheckpoint.Write(fresh, 2L << 20, 1, DType.BF16, seed: 2);
        using var expected = Checkpoint.Open(fresh);
        var (loaded, output, _) = await CliRunner.RunAsync("load", Out);
        Assert.Equal(0, loaded);
        Assert.Contains($"digest {ContentDigest.Compute(expected).Digest.ToString("x16", CultureInfo.InvariantCulture)}", output, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Synth_IntoAnEmptyDirectory_KeepsItsMode()
    {
        Directory.CreateDirectory(Out);
        const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.SetGroup;
        File.SetUnixFileMode(Out, Mode);

        Assert.Equal(0, (await CliRunner.RunAsync("synth", Out, "--size", "1MiB", "--shards", "1")).ExitCode);

        Assert.Equal(Mode, File.GetUnixFileMode(Out)); // a staged directory swapped in came with 0755 and no setgid
        Assert.Equal(["model.safetensors"], Directory.GetFileSystemEntries(Out).Select(Path.GetFileName));
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Synth_WithForce_KeepsTheDirectorysMode()
    {
        Assert.Equal(0, (await CliRunner.RunAsync("synth", Out, "--size", "1MiB", "--shards", "1", "--seed", "1")).ExitCode);
        const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        File.SetUnixFileMode(Out, Mode);

        Assert.Equal(0, (await CliRunner.RunAsync("synth", Out, "--size", "1MiB", "--shards", "1", "--seed", "2", "--force")).ExitCode);

        Assert.Equal(Mode, File.GetUnixFileMode(Out));
    }

    [Fact]
    public async Task Synth_OntoASymbolicLinkToNothing_SaysSo()
    {
        File.CreateSymbolicLink(Out, Path.Combine(_root, "gone"));

        var (exitCode, _, error) = await CliRunner.RunAsync("synth", Out, "--size", "1MiB", "--shards", "1");

        Assert.Equal(1, exitCode);
        Assert.Equal($"ckpt: error: {Out}: is a symbolic link to {Path.Combine(_root, "gone")}, which does not exist (or a loop of links): create the directory it points to, or choose another path{Environment.NewLine}", error);
    }

    [Fact]
    public async Task Synth_LeavesAnotherWritersStagingDirectoryAlone()
    {
        // What an earlier version, which named its staging directory after its pid and deleted one it found, would delete.
        var other = Path.Combine(_root, $".out.{Environment.ProcessId}.staging");
        Directory.CreateDirectory(Path.Combine(other, "sub"));
        File.WriteAllText(Path.Combine(other, "sub", "precious"), "theirs");
        var otherNew = Directory.CreateDirectory(Path.Combine(_root, ".ckpt-staging-000000000000")).FullName;

        Assert.Equal(0, (await CliRunner.RunAsync("synth", Out, "--size", "1MiB", "--shards", "1")).ExitCode);

        Assert.Equal("theirs", File.ReadAllText(Path.Combine(other, "sub", "precious")));
        Assert.True(Directory.Exists(otherNew));
    }

    [Fact]
    public async Task Synth_IntoADirectoryWithOtherFiles_RefusesAndNamesThem()
    {
        Assert.Equal(0, (await CliRunner.RunAsync("synth", Out, "--size", "1MiB", "--shards", "1")).ExitCode);
        File.WriteAllText(Path.Combine(Out, "notes.txt"), "mine");
        Directory.CreateDirectory(Path.Combine(Out, "data"));
        var before = Snapshot(Out);

        var (exitCode, _, error) = await CliRunner.RunAsync("synth", Out, "--size", "1MiB", "--force");

        Assert.Equal(1, exitCode);
        Assert.Equal(
            $"ckpt: error: {Out}: holds files that are not a checkpoint's (data, notes.txt); choose a new or empty directory (only a directory holding nothing but a checkpoint is replaced, with --force){Environment.NewLine}",
            error);
        Assert.Equal(before, Snapshot(Out));
    }

    [Fact]
    public async Task Synth_OntoAFile_Refuses()
    {
        File.WriteAllText(Out, "not a directory");

        var (exitCode, _, error) = await CliRunner.RunAsync("synth", Out, "--size", "1MiB");

        Assert.Equal(1, exitCode);
        Assert.StartsWith($"ckpt: error: {Out}: is a file, not a directory", error, StringComparison.Ordinal);
        Assert.Equal("not a directory", File.ReadAllText(Out));
    }

    [Fact]
    public async Task Synth_IntoAnEmptyDirectory_WritesThereAndLeavesNoStaging()
    {
        Directory.CreateDirectory(Out);

        var (exitCode, _, _) = await CliRunner.RunAsync("synth", Out, "--size", "2MiB", "--shards", "2");

        Assert.Equal(0, exitCode);
        Assert.Equal(3, Directory.GetFiles(Out).Length);
        Assert.Equal(["out"], Directory.GetFileSystemEntries(_root).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("1MiB", 1L << 20)]
    [InlineData("3MiB", 3L << 20)]
    [InlineData("10MB", 10_000_000L)]
    public async Task Synth_WritesTheRequestedSize_WithinOnePercent(string size, long target)
    {
        var (exitCode, _, _) = await CliRunner.RunAsync("synth", Out, "--size", size, "--shards", "2");

        Assert.Equal(0, exitCode);
        Assert.InRange(Directory.GetFiles(Out).Sum(static path => new FileInfo(path).Length), target * 0.99, target * 1.01);
    }

    [Fact]
    public async Task Synth_MoreShardsThanTensors_IsAUsageErrorNamingShards()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("synth", Out, "--size", "2MiB", "--shards", "10000");

        Assert.Equal(2, exitCode);
        Assert.StartsWith(
            "ckpt: --shards: a checkpoint of 2MiB has 39 tensors, and a shard holds at least one: use --shards 39 or fewer, or a larger --size",
            error, StringComparison.Ordinal);
        Assert.DoesNotContain("Parameter", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Out));
    }

    [Fact]
    public async Task Synth_SizeNoLlamaShapeHas_IsAUsageErrorNamingTheRange()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("synth", Out, "--size", "1KiB");

        Assert.Equal(2, exitCode);
        Assert.StartsWith($"ckpt: --size must be between 173KiB and 2688TiB for a Llama-shaped BF16 checkpoint", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Out));
    }

    /// <summary>Every file's name, length and content hash.</summary>
    private static string Snapshot(string directory) => string.Join('\n', Directory.GetFileSystemEntries(directory).Order(StringComparer.Ordinal)
        .Select(path => File.Exists(path) ? $"{Path.GetFileName(path)} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)))}" : Path.GetFileName(path)));
}
