using System.Text.RegularExpressions;
using Checkpoints.Tests.TestSupport;

namespace Checkpoints.Cli.Tests.Documentation;

/// <summary>
/// README.md and <c>--help</c> describe the same tool: every command is in the README's table, and every option a
/// command's help lists is named in the README. A flag added without documentation, or renamed in one place only,
/// fails here.
/// </summary>
public sealed partial class ReadmeAgreesWithHelpTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));

    public static TheoryData<string> Commands => ["demo", "inspect", "verify", "synth", "plan", "load", "prefetch", "wait", "exec", "evict", "probe"];

    [Theory]
    [MemberData(nameof(Commands))]
    public void Readme_HasARowForEveryCommand(string command) =>
        Assert.Contains($"| `ckpt {command}", Readme, StringComparison.Ordinal);

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Readme_NamesEveryOptionTheHelpLists(string command)
    {
        var (exitCode, help, _) = await CliRunner.RunAsync(command, "--help");
        Assert.Equal(0, exitCode);

        var options = OptionsIn(help);
        var undocumented = options.Where(option => !Readme.Contains(option, StringComparison.Ordinal)).ToArray();
        Assert.True(undocumented.Length == 0, $"ckpt {command} --help lists {string.Join(", ", undocumented)}, which README.md does not name");
    }

    [Fact]
    public async Task OptionsIn_FindsTheOptionsOfAHelpText()
    {
        var (_, help, _) = await CliRunner.RunAsync("plan", "--help");

        Assert.Contains("--block-size", OptionsIn(help));
        Assert.Contains("--network-fs", OptionsIn(help));
        Assert.DoesNotContain("--help", OptionsIn(help));
    }

    private static string[] OptionsIn(string help) => [.. help[help.IndexOf("Options:", StringComparison.Ordinal)..].Split('\n')
        .Select(static line => OptionName().Match(line))
        .Where(static match => match.Success)
        .Select(static match => match.Groups[1].Value)
        .Where(static option => option is not "--help" and not "--verbose")];

    [GeneratedRegex(@"^\s+(?:-\w, )?(--[a-z][a-z-]*)")]
    private static partial Regex OptionName();
}
