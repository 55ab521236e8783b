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

    public static Argument<string> CheckpointPath() => new("path")
    {
        Description = "A .safetensors file, a *.safetensors.index.json, or a directory holding a checkpoint.",
    };
}
