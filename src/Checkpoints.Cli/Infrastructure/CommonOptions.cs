using System.CommandLine;

namespace Checkpoints.Cli;

/// <summary>Options that mean the same thing on every command.</summary>
internal static class CommonOptions
{
    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Log every decision and measurement to standard error.",
        Recursive = true,
    };

    public static Option<bool> Json() => new("--json") { Description = "Write machine-readable JSON to standard output." };

    public static Argument<string> CheckpointPath()
    {
        var path = new Argument<string>("path")
        {
            Description = "A .safetensors file, a *.safetensors.index.json, or a directory holding a checkpoint.",
        };
        path.Validators.Add(result =>
        {
            // An empty path (an unset shell variable, "$MODEL") would reach the library as an ArgumentException.
            if (result.Tokens is [{ Value: var text }] && string.IsNullOrWhiteSpace(text))
            {
                result.AddError("path: the checkpoint path is empty (an unset variable?); give a file, an index or a folder");
            }
        });
        return path;
    }
}
