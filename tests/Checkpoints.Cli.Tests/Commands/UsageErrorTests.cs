using Checkpoints.Cli.Tests.TestSupport;
using Checkpoints.Format;
using Checkpoints.Synthesis;


namespace Checkpoints.Cli.Tests.Commands;

/// <summary>
/// Every option value that cannot be used is a usage error: exit code 2 and a line naming the flag and what it
/// accepts, never a stack trace. Values the library would reject later (rank and world size, block size) are caught
/// here, in the flags' terms.
/// </summary>
public sealed class UsageErrorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ckpt-usage-").FullName;

    public UsageErrorTests() => SyntheticCheckpoint.Write(_directory, 1L << 20, 2, DType.BF16);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("--threads abc", "ckpt: --threads must be a whole number between 1 and 256, not 'abc'")]
    [InlineData("--threads 0", "ckpt: --threads must be a whole number between 1 and 256, not '0'")]
    [InlineData("--threads 257", "ckpt: --threads must be a whole number between 1 and 256, not '257'")]
    [InlineData("--threads 99999999999", "ckpt: --threads must be a whole number between 1 and 256, not '99999999999'")]
    [InlineData("--world-size abc", "ckpt: --world-size must be a whole number between 1 and 2147483647, not 'abc'")]
    [InlineData("--world-size 0", "ckpt: --world-size must be a whole number between 1 and 2147483647, not '0'")]
    [InlineData("--rank -1", "ckpt: --rank must be a whole number between 0 and 2147483647, not '-1'")]
    [InlineData("--rank 1.5", "ckpt: --rank must be a whole number between 0 and 2147483647, not '1.5'")]
    [InlineData("--rank 2 --world-size 2", "ckpt: --rank must be below --world-size: rank 2, world size 2 (ranks count from 0)")]
    [InlineData("--rank 1", "ckpt: --rank must be below --world-size: rank 1, world size 1 (ranks count from 0)")]
    [InlineData("--block-size 1KiB", "ckpt: --block-size must be between 4KiB and 1GiB, not 1KiB")]
    [InlineData("--block-size 2GiB", "ckpt: --block-size must be between 4KiB and 1GiB, not 2GiB")]
    [InlineData("--block-size lots", "ckpt: --block-size: 'lots' is not a size; write it like 4GiB, 512MiB, 1.5GB or 1048576")]
    [InlineData("--block-size 99999999999999999999999TiB", "ckpt: --block-size: '99999999999999999999999TiB' is not a size; write it like 4GiB, 512MiB, 1.5GB or 1048576")]
    [InlineData("--world-size 99999999999", "ckpt: --world-size must be a whole number between 1 and 2147483647, not '99999999999'")]
    [InlineData("--block-size -4MiB", "ckpt: --block-size: '-4MiB' is not a size; write it like 4GiB, 512MiB, 1.5GB or 1048576")]
    [InlineData("--budget 0%", "ckpt: --budget: '0%' is neither a size (8GiB) nor a percentage (50%)")]
    [InlineData("--budget 150%", "ckpt: --budget: '150%' is neither a size (8GiB) nor a percentage (50%)")]
    [InlineData("--read-timeout 0s", "ckpt: --read-timeout: '0s' is not a duration; use 30s, 2m, 500ms or none")]
    [InlineData("--read-timeout 5 parsecs", "ckpt: Unrecognized command or argument 'parsecs'.")]
    [InlineData("--access mmap", "ckpt: --access: 'mmap' is not an access; use auto, map, populated, read or direct")]
    [InlineData("--strategy fast", "ckpt: --strategy: 'fast' is not a strategy; use auto, lazy, eager or prefetch")]
    [InlineData("--otlp-endpoint localhost:4318", "ckpt: --otlp-endpoint: 'localhost:4318' is not an http:// or https:// URL; give the collector's address, e.g. http://localhost:4318")]
    [InlineData("--otlp-endpoint ftp://collector", "ckpt: --otlp-endpoint: 'ftp://collector' is not an http:// or https:// URL; give the collector's address, e.g. http://localhost:4318")]
    [InlineData("--otlp-protocol http", "ckpt: --otlp-protocol: 'http' is not a protocol; use http/protobuf or grpc")]
    public async Task Plan_WithUnusableOption_IsUsageError(string options, string expected)
    {
        var (exitCode, output, error) = await CliRunner.RunAsync(["plan", _directory, .. options.Split(' ')]);

        Assert.Equal(2, exitCode);
        Assert.Equal(string.Empty, output);
        Assert.Equal(expected, error.Split('\n')[0]);
        Assert.Contains("Run 'ckpt --help' for usage.", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("synth", "OUT", "--shards", "abc", "ckpt: --shards must be a whole number between 1 and 99999, not 'abc'")]
    [InlineData("synth", "OUT", "--shards", "0", "ckpt: --shards must be a whole number between 1 and 99999, not '0'")]
    [InlineData("synth", "OUT", "--seed", "-1", "ckpt: --seed must be a whole number between 0 and 18446744073709551615, not '-1'")]
    [InlineData("synth", "OUT", "--size", "99999999999999999999999TiB", "ckpt: --size: '99999999999999999999999TiB' is not a size; write it like 4GiB, 512MiB, 1.5GB or 1048576")]
    [InlineData("synth", "", "", "", "ckpt: out: the path is empty (an unset variable?); give a file or a folder")]
    [InlineData("synth", "OUT", "--size", "0", "ckpt: --size must be at least 1, not 0")]
    [InlineData("synth", "OUT", "--size", "99999999TiB", "ckpt: --size: '99999999TiB' is not a size; write it like 4GiB, 512MiB, 1.5GB or 1048576")]
    [InlineData("synth", "OUT", "--dtype", "bool", "ckpt: --dtype: 'bool' is not a dtype synth writes; use one of BF16, F16, F32, F64, F8_E4M3, F8_E5M2, I8, U8, I16, U16, I32, U32, I64, U64")]
    [InlineData("synth", "OUT", "--dtype", "f4", "ckpt: --dtype: 'f4' is not a dtype synth writes; use one of BF16, F16, F32, F64, F8_E4M3, F8_E5M2, I8, U8, I16, U16, I32, U32, I64, U64")]
    [InlineData("demo", "--size", "ten", "", "ckpt: --size: 'ten' is not a size; write it like 4GiB, 512MiB, 1.5GB or 1048576")]
    public async Task Synth_WithUnusableOption_IsUsageError_AndWritesNothing(string command, string first, string second, string third, string expected)
    {
        var target = Path.Combine(_directory, "out");
        string[] args = command == "synth" && first.Length == 0
            ? [command, " "]
            : [command, .. new[] { first, second, third }.Where(static arg => arg.Length > 0).Select(arg => arg == "OUT" ? target : arg)];

        var (exitCode, _, error) = await CliRunner.RunAsync(args);

        Assert.Equal(2, exitCode);
        Assert.Equal(expected, error.Split('\n')[0]);
        Assert.False(Directory.Exists(target));
    }

    [Theory]
    [InlineData("inspect")]
    [InlineData("verify")]
    [InlineData("plan")]
    [InlineData("load")]
    [InlineData("prefetch")]
    [InlineData("probe")]
    [InlineData("evict")]
    public async Task EmptyPath_IsUsageError(string command)
    {
        var (exitCode, _, error) = await CliRunner.RunAsync(command, " ");

        Assert.Equal(2, exitCode);
        Assert.Equal("ckpt: path: the path is empty (an unset variable?); give a file or a folder", error.Split('\n')[0]);
    }

    [Fact]
    public async Task Plan_WithNonIntegerThreads_InAChildProcess_ExitsTwoWithoutAStackTrace()
    {
        // The defect was an abort (SIGABRT, exit 134) with a stack trace: only a real process shows that.
        var (exitCode, output, error) = await CkptProcess.RunAsync([], new Dictionary<string, string>(), "plan", _directory, "--threads", "abc");

        Assert.Equal(2, exitCode);
        Assert.Equal(string.Empty, output);
        Assert.Equal($"ckpt: --threads must be a whole number between 1 and 256, not 'abc'\nRun 'ckpt --help' for usage.\n", error);
    }

    [Fact]
    public async Task AnArgumentStartingWithAt_IsAPath_NotAResponseFile()
    {
        var named = Path.Combine(_directory, "@weights");
        Directory.CreateDirectory(named);
        SyntheticCheckpoint.Write(named, 1L << 20, 1, DType.BF16);

        var (exitCode, output, error) = await CliRunner.RunAsync("inspect", named);
        var (relativeExit, _, relativeError) = await CliRunner.RunAsync("inspect", "@no-such-folder");

        Assert.Equal(0, exitCode);
        Assert.Contains("@weights: 1 shard(s)", output, StringComparison.Ordinal);
        Assert.Equal(string.Empty, error);
        Assert.Equal(1, relativeExit);
        Assert.StartsWith("ckpt: error: @no-such-folder: no such file or directory", relativeError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownCommand_IsNamedFirst()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("frobnicate");

        Assert.Equal(2, exitCode);
        Assert.Equal("ckpt: Unrecognized command or argument 'frobnicate'.", error.Split('\n')[0]);
    }

    [Fact]
    public async Task Help_ListsTheExitCodes()
    {
        var (exitCode, output, _) = await CliRunner.RunAsync("--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("Exit codes: 0 success; 1 failure", output, StringComparison.Ordinal);
        Assert.Contains("2 usage error", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plan", "--block-size", "[default: 16MiB]")]
    [InlineData("synth", "--size", "[default: 4GiB]")]
    [InlineData("demo", "--size", "[default: 64MiB]")]
    public async Task Help_ShowsSizeDefaults_InTheUnitsPeopleWrite(string command, string option, string expected)
    {
        var (exitCode, output, _) = await CliRunner.RunAsync(command, "--help");

        Assert.Equal(0, exitCode);
        var line = output.Split('\n').Single(line => line.TrimStart().StartsWith(option + " ", StringComparison.Ordinal));
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }
}
