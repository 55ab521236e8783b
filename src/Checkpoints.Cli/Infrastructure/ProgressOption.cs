using System.CommandLine;

namespace Checkpoints.Cli.Infrastructure;

/// <summary>How a long command reports while it runs: text for people (the default), or JSON events for programs.</summary>
internal enum ProgressFormat
{
    Text,
    Json,
}

/// <summary><c>--progress text|json</c>, on the commands that read a checkpoint for a while (prefetch, load, exec).</summary>
internal static class ProgressOption
{
    public static Option<ProgressFormat> Create(string where) => new("--progress")
    {
        Description = $"text (the default) or json: newline-delimited JSON events (plan, file-start, file-done, progress, warning, result), one object per line, on {where}.",
        HelpName = "text|json",
        DefaultValueFactory = _ => ProgressFormat.Text,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
            switch (text.Trim().ToLowerInvariant())
            {
                case "text" or "plain":
                    return ProgressFormat.Text;
                case "json":
                    return ProgressFormat.Json;
                default:
                    result.AddError($"--progress: '{text}' is not a format; use text or json");
                    return ProgressFormat.Text;
            }
        },
    };
}
