using System.CommandLine;
using Checkpoints.Units;

namespace Checkpoints.Cli;

/// <summary>An option holding a byte count typed as 4GiB, 512MiB, 1.5GB or a plain number.</summary>
internal static class ByteSizeOption
{
    public static Option<long> Create(string name, string description, long defaultValue) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        HelpName = "size",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
            if (ByteSize.TryParse(text, out var bytes) && bytes > 0)
            {
                return bytes;
            }

            result.AddError($"{name}: '{text}' is not a size; write it like 4GiB, 512MiB, 1.5GB or 1048576");
            return 0;
        },
    };
}
