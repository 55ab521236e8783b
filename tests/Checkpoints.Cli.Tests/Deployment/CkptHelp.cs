using System.Text.RegularExpressions;
using Checkpoints.Cli.Tests.TestSupport;

namespace Checkpoints.Cli.Tests.Deployment;

/// <summary>
/// The commands and options the built <c>ckpt</c> lists in its help, read from <c>ckpt --help</c> and
/// <c>ckpt COMMAND --help</c> run as a child process, the way a user would read them.
/// </summary>
internal sealed partial class CkptHelp
{
    private readonly Dictionary<string, HashSet<string>> _options = new(StringComparer.Ordinal);

    private CkptHelp(HashSet<string> commands) => Commands = commands;

    public IReadOnlySet<string> Commands { get; }

    public static async Task<CkptHelp> ReadAsync()
    {
        var help = new CkptHelp(Section(await HelpAsync(), "Commands:").Select(static line => CommandName().Match(line))
            .Where(static match => match.Success).Select(static match => match.Groups[1].Value).ToHashSet(StringComparer.Ordinal));
        Assert.True(help.Commands.Count > 0, "ckpt --help lists no commands: the help's layout changed, and this reader with it");
        return help;
    }

    /// <summary>The options <c>ckpt <paramref name="command"/> --help</c> lists (its own and the root's recursive ones), aliases included.</summary>
    public async Task<IReadOnlySet<string>> OptionsAsync(string command)
    {
        if (!_options.TryGetValue(command, out var options))
        {
            options = Section(await HelpAsync(command), "Options:").Select(static line => OptionNames().Match(line))
                .Where(static match => match.Success)
                .SelectMany(static match => match.Groups[1].Value.Split(", "))
                .ToHashSet(StringComparer.Ordinal);
            Assert.True(options.Contains("--help"), $"ckpt {command} --help lists no --help: the help's layout changed, and this reader with it");
            _options[command] = options;
        }

        return options;
    }

    /// <summary>Where <paramref name="words"/> (after <c>ckpt</c>) use a command or option the help does not list; empty when none.</summary>
    public async Task<List<string>> ProblemsAsync(IReadOnlyList<string> words)
    {
        if (words.Count == 0 || !Commands.Contains(words[0]))
        {
            return [$"'{(words.Count == 0 ? string.Empty : words[0])}' is no command of ckpt --help ({string.Join(", ", Commands.Order(StringComparer.Ordinal))})"];
        }

        var known = await OptionsAsync(words[0]);
        // Options end at "--": what follows belongs to another program (ckpt exec, planned).
        return [.. words.Skip(1).TakeWhile(static word => word != "--")
            .Where(static word => word.StartsWith('-') && word.Length > 1)
            .Select(static word => word.Split('=')[0])
            .Where(option => !known.Contains(option))
            .Select(option => $"{option} is not an option of ckpt {words[0]} --help")];
    }

    private static async Task<string> HelpAsync(params string[] command)
    {
        var (exitCode, output, error) = await CkptProcess.RunAsync([], new Dictionary<string, string>(), [.. command, "--help"]);
        Assert.True(exitCode == 0, $"ckpt {string.Join(' ', command)} --help exited {exitCode}: {error}");
        return output;
    }

    /// <summary>The lines of a help section, from its heading to the next blank line.</summary>
    private static IEnumerable<string> Section(string help, string heading) =>
        help.Split('\n').SkipWhile(line => line.Trim() != heading).Skip(1).TakeWhile(static line => line.Trim().Length > 0);

    [GeneratedRegex(@"^\s{2}([a-z][a-z-]*)\b")]
    private static partial Regex CommandName();

    // "  -?, -h, --help  Show help", "  --budget <size|percent>  Memory for ..."
    [GeneratedRegex(@"^\s{2}(-[^\s,<]+(?:, -[^\s,<]+)*)")]
    private static partial Regex OptionNames();
}
