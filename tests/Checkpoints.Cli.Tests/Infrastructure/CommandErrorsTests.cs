using Checkpoints.Cli.Infrastructure;
using Checkpoints.Format;


namespace Checkpoints.Cli.Tests.Infrastructure;

/// <summary>The runtime's own wording never reaches a user: each message is put in terms of what happened and what to do.</summary>
public sealed class CommandErrorsTests
{
    [Fact]
    public void Describe_ArgumentException_DropsTheParameterSuffix()
    {
        var message = CommandErrors.Describe(new ArgumentException("A checkpoint of this size has 12 tensors.", "shardCount"));

        Assert.Equal("A checkpoint of this size has 12 tensors.", message);
    }

    [Fact]
    public void Describe_PermissionDeniedOnAPath_SaysWhatToCheck()
    {
        var message = CommandErrors.Describe(new UnauthorizedAccessException("Access to the path '/models/a.safetensors' is denied."));

        Assert.Equal("/models/a.safetensors: permission denied: check its permissions and its folders' (ls -l), or run as a user who may read it", message);
    }

    [Fact]
    public void Describe_MessageWithLineBreaks_IsOneLine()
    {
        var message = CommandErrors.Describe(new IOException("tensor 'a\nb\u2028c' is broken"));

        Assert.Equal("tensor 'a\\x0Ab\\u2028c' is broken", message);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("--version")]
    public async Task HelpOrVersion_ToAFullDevice_IsOneLineError(string flag)
    {
        var (exitCode, _, error) = await TestSupport.CkptProcess.RunAsync(["sh", "-c", "exec \"$0\" \"$@\" >/dev/full"], new Dictionary<string, string>(), flag);

        Assert.Equal(1, exitCode);
        Assert.Equal("ckpt: error: writing to standard output failed: No space left on device\n", error);
    }

    [Theory]
    [InlineData("2>&-")]
    [InlineData("2>/dev/full")]
    public async Task AnError_WithStandardErrorUnusable_StillExitsOne(string redirect)
    {
        var (exitCode, output, _) = await TestSupport.CkptProcess.RunAsync(["sh", "-c", $"exec \"$0\" \"$@\" {redirect}"], new Dictionary<string, string>(),
            "inspect", "/nonexistent/model.safetensors");

        Assert.Equal(1, exitCode); // was 134: the report of the error failed, and that failure aborted the process
        Assert.Equal(string.Empty, output);
    }

    [Fact]
    public async Task Inspect_WithStandardOutputClosed_SaysSo()
    {
        var directory = Directory.CreateTempSubdirectory("ckpt-closed-output-");
        try
        {
            Synthesis.SyntheticCheckpoint.Write(directory.FullName, 1L << 20, 1, DType.BF16);

            var (exitCode, _, error) = await TestSupport.CkptProcess.RunAsync(["sh", "-c", "exec \"$0\" \"$@\" >&-"], new Dictionary<string, string>(),
                "inspect", directory.FullName);

            Assert.Equal(1, exitCode);
            Assert.Equal("ckpt: error: writing to standard output failed: it is closed\n", error);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
