using System.CommandLine;
using System.Globalization;
using System.Numerics;

namespace Checkpoints.Cli.Infrastructure;

/// <summary>
/// A whole-number option with its allowed range. The value is parsed here, not by a validator after the fact: a
/// validator that reads a value which failed to parse throws, and the process aborted with a stack trace.
/// </summary>
internal static class IntegerOption
{
    public static Option<T> Create<T>(string name, string description, T defaultValue, T minimum, T maximum)
        where T : struct, IBinaryInteger<T>, IMinMaxValue<T> => new(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
                if (T.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= minimum && value <= maximum)
                {
                    return value;
                }

                // The upper bound is said even when it is only the type's: "at least 1" would be wrong for 99999999999.
                result.AddError($"{name} must be a whole number between {minimum} and {maximum}, not '{text}'");
                return defaultValue;
            },
        };

    /// <summary>
    /// The value of <paramref name="option"/> as typed, for a check across options in a command validator: such a
    /// validator runs even when an option failed to parse, and reading that value throws. <paramref name="absent"/> when the
    /// option was not given; null when its token is not a number (it has its own error already).
    /// </summary>
    public static int? Given(System.CommandLine.Parsing.CommandResult result, Option<int> option, int absent) =>
        result.GetResult(option) is { Tokens: [var token] }
            ? int.TryParse(token.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null
            : absent;
}
