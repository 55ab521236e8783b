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

        Assert.Equal("Access to the path '/models/a.safetensors' is denied: check its permissions (ls -l) or run as a user who may read it", message);
    }

    [Fact]
    public void Describe_PermissionDeniedWithoutAPath_IsAboutTheOutput()
    {
        var message = CommandErrors.Describe(new UnauthorizedAccessException("Access to the path is denied."));

        Assert.Equal("writing the output was refused (is standard output closed?)", message);
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
            Assert.Equal("ckpt: error: writing the output was refused (is standard output closed?)\n", error);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
