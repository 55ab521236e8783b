using Checkpoints.Tests.TestSupport;

namespace Checkpoints.Cli.Tests.Documentation;

/// <summary>Every exit code a command can end with is in <c>ckpt --help</c> and in README.md's table.</summary>
public sealed class ExitCodesTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));

    [Theory]
    [InlineData("0 success")]
    [InlineData("2 usage error")]
    [InlineData("124 still running at --timeout")]
    [InlineData("126 the command cannot be run")]
    [InlineData("127 the command was not found")]
    [InlineData("128+N when signal N killed it")]
    [InlineData("143 terminated")]
    public async Task RootHelp_ListsTheExitCode(string text)
    {
        var (exitCode, help, _) = await CliRunner.RunAsync("--help");

        Assert.Equal(0, exitCode);
        Assert.Contains(text, help.ReplaceLineEndings(" ").Replace("  ", " ", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("| **any other** |")]
    [InlineData("| **124** |")]
    [InlineData("| **126** |")]
    [InlineData("| **127** |")]
    public void Readme_HasTheExitCodeTable(string row) => Assert.Contains(row, Readme, StringComparison.Ordinal);
}
