using Checkpoints.Cli.Tests.TestSupport;
using Checkpoints.Format;
using Checkpoints.Synthesis;


namespace Checkpoints.Cli.Tests.Commands;

/// <summary>
/// Environment variables count for the commands they concern and for no other: a bad <c>CKPT_LOAD_STRATEGY</c> is a
/// usage error of the commands that load (plan, load), and is ignored by those that do not.
/// </summary>
public sealed class EnvironmentTests : IDisposable
{
    private static readonly Dictionary<string, string> BadStrategy = new() { ["CKPT_LOAD_STRATEGY"] = "bogus" };

    private readonly string _directory = Directory.CreateTempSubdirectory("ckpt-env-").FullName;

    public EnvironmentTests() => SyntheticCheckpoint.Write(_directory, 1L << 20, 2, DType.BF16);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("plan")]
    [InlineData("load")]
    public async Task BadStrategyVariable_IsAUsageError_OfCommandsThatLoad(string command)
    {
        var (exitCode, output, error) = await CkptProcess.RunAsync([], BadStrategy, command, _directory);

        Assert.Equal(2, exitCode);
        Assert.Equal(string.Empty, output);
        Assert.Equal("ckpt: CKPT_LOAD_STRATEGY: 'bogus' is not a load strategy; use auto, lazy, eager or prefetch; fix or unset it, or pass --strategy\nRun 'ckpt --help' for usage.\n", error);
    }

    [Fact]
    public async Task BadStrategyVariable_IsOverriddenByTheFlag()
    {
        var (exitCode, output, _) = await CkptProcess.RunAsync([], BadStrategy, "plan", _directory, "--strategy", "lazy");

        Assert.Equal(0, exitCode);
        Assert.StartsWith("plan (forced lazy)", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("inspect")]
    [InlineData("verify")]
    [InlineData("probe")]
    [InlineData("evict")]
    [InlineData("prefetch")]
    public async Task BadStrategyVariable_IsIgnored_ByCommandsThatDoNotChooseAStrategy(string command)
    {
        var (exitCode, _, error) = await CkptProcess.RunAsync([], BadStrategy, command, _directory);

        Assert.Equal(0, exitCode);
        Assert.DoesNotContain("CKPT_LOAD_STRATEGY", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/nonexistent-ckpt-temp", "does not exist")]
    [InlineData("/etc/hostname", "is not a folder")]
    public async Task Demo_WithTmpdirThatIsNoFolder_NamesIt(string tmpdir, string what)
    {
        var (exitCode, _, error) = await CkptProcess.RunAsync([], new Dictionary<string, string> { ["TMPDIR"] = tmpdir }, "demo", "--size", "1MiB");

        Assert.Equal(1, exitCode);
        Assert.Equal($"ckpt: error: {tmpdir}/: the temporary folder (TMPDIR) {what}: set TMPDIR to a writable folder\n", error);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task UnreadableShard_AsAnotherUser_SaysPermissionDeniedAndWhatToDo()
    {
        // Root reads everything: the child runs as nobody, which may not read a 0600 file of root's. It runs from a copy
        // of the build output in a world-readable folder, since the clone may sit where nobody cannot enter (/root).
        var shard = Directory.GetFiles(_directory, "*.safetensors").Order().First();
        File.SetUnixFileMode(shard, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.SetUnixFileMode(_directory, (UnixFileMode)0x1ED /* 0755 */);
        var program = Directory.CreateTempSubdirectory("ckpt-as-nobody-");
        try
        {
            // World-writable (and sticky) like /tmp, since it is also nobody's home for the run: the runtime may write there.
            File.SetUnixFileMode(program.FullName, (UnixFileMode)0x3FF);
            foreach (var file in Directory.EnumerateFiles(AppContext.BaseDirectory))
            {
                File.Copy(file, Path.Combine(program.FullName, Path.GetFileName(file)));
            }

            var (exitCode, _, error) = await CkptProcess.RunAsync(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"],
                new Dictionary<string, string> { ["DOTNET_CLI_HOME"] = program.FullName, ["HOME"] = program.FullName, [CkptProcess.ProgramFolderVariable] = program.FullName },
                "inspect", shard);

            Assert.Equal(1, exitCode);
            Assert.Equal($"ckpt: error: {shard}: permission denied: check its permissions and its folders' (ls -l), or run as a user who may read it\n", error);
        }
        finally
        {
            program.Delete(recursive: true);
        }
    }
}
