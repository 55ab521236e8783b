using System.CommandLine;

namespace Checkpoints.Cli.Infrastructure;

/// <summary>Options that mean the same thing on every command.</summary>
internal static class CommonOptions
{
    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Log every decision and measurement to standard error.",
        Recursive = true,
    };

    public static readonly Option<bool> Metrics = new("--metrics")
    {
        Description = "When the command ends, write the library's metrics (bytes by strategy and file system class, durations, waits, errors) to standard error.",
        Recursive = true,
    };

    public static Option<bool> Json() => new("--json") { Description = "Write machine-readable JSON to standard output." };

    public static Argument<string> CheckpointPath() =>
        NonEmptyPath("path", "A .safetensors file, a *.safetensors.index.json, a directory holding a checkpoint, or a model in the Hugging Face cache (org/name or org/name@revision).");

    /// <summary>A path argument; an empty one (an unset shell variable, "$MODEL") is a usage error, not the runtime's ArgumentException.</summary>
    public static Argument<string> NonEmptyPath(string name, string description)
    {
        var path = new Argument<string>(name) { Description = description };
        path.Validators.Add(result =>
        {
            if (result.Tokens is [{ Value: var text }] && string.IsNullOrWhiteSpace(text))
            {
                result.AddError($"{name}: the path is empty (an unset variable?); give a file or a folder");
            }
        });
        return path;
    }
}
