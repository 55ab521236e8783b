using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Checkpoints.Files;

/// <summary>
/// A model named as on the Hugging Face hub, <c>org/name</c> or <c>org/name@revision</c> (a branch, a tag or a commit):
/// what operators pass to their servers, and what the hub cache keeps under <c>models--org--name</c>.
/// </summary>
internal sealed partial record HubModelName(string Owner, string Name, string Revision)
{
    /// <summary>The revision a name without <c>@</c> means: the hub's default branch.</summary>
    public const string DefaultRevision = "main";

    /// <summary>The repository id, <c>org/name</c>.</summary>
    public string RepositoryId => $"{Owner}/{Name}";

    /// <summary>The model's folder in the hub cache.</summary>
    public string CacheFolderName => $"models--{Owner}--{Name}";

    /// <summary>
    /// Whether <paramref name="text"/> reads as a hub name: two parts of letters, digits, '-', '_' and '.' (not starting
    /// with '.' or '-', as the hub requires), and an optional revision without spaces, '..' or a leading '/'.
    /// </summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out HubModelName? name)
    {
        var match = Pattern().Match(text);
        name = match.Success && !match.Groups["revision"].Value.Contains("..", StringComparison.Ordinal)
            ? new HubModelName(match.Groups["owner"].Value, match.Groups["name"].Value,
                match.Groups["revision"].Success ? match.Groups["revision"].Value : DefaultRevision)
            : null;
        return name is not null;
    }

    [GeneratedRegex(@"^(?<owner>[A-Za-z0-9_][A-Za-z0-9_.\-]{0,95})/(?<name>[A-Za-z0-9_][A-Za-z0-9_.\-]{0,95})(@(?<revision>[A-Za-z0-9_.\-][A-Za-z0-9_.\-/]{0,254}))?$")]
    private static partial Regex Pattern();
}
