using System.CommandLine;
using System.Globalization;
using Checkpoints.Units;

namespace Checkpoints.Cli.Infrastructure;

/// <summary>
/// A byte count as people type it (4GiB, 512MiB, 1.5GB, 1048576), printed back the same way, so that help shows
/// <c>[default: 64MiB]</c> rather than <c>67108864</c>.
/// </summary>
internal readonly record struct ByteCount(long Bytes)
{
    public override string ToString()
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        var unit = 0;
        var value = Bytes;
        // Only exact multiples climb a unit: a default must read back as the same number of bytes.
        while (unit < units.Length - 1 && value != 0 && value % 1024 == 0)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? value.ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{value}{units[unit]}");
    }
}

/// <summary>An option holding a <see cref="ByteCount"/> within a range; anything else is a usage error naming the flag and the range.</summary>
internal static class ByteSizeOption
{
    public static Option<ByteCount> Create(string name, string description, long defaultValue, long minimum = 1, long maximum = long.MaxValue) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => new ByteCount(defaultValue),
        HelpName = "size",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
            if (!ByteSize.TryParse(text, out var bytes))
            {
                result.AddError($"{name}: '{text}' is not a size; write it like 4GiB, 512MiB, 1.5GB or 1048576");
                return default;
            }

            if (bytes < minimum || bytes > maximum)
            {
                result.AddError(maximum == long.MaxValue
                    ? $"{name} must be at least {new ByteCount(minimum)}, not {text}"
                    : $"{name} must be between {new ByteCount(minimum)} and {new ByteCount(maximum)}, not {text}");
                return default;
            }

            return new ByteCount(bytes);
        },
    };
}
