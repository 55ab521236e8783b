using System.Text.Json;

namespace Checkpoints.Cli.Tests.TestSupport;

/// <summary>The lines of a <c>--progress json</c> stream, each parsed on its own (a line that is not one JSON object fails the test).</summary>
internal static class ProgressEventLines
{
    public static IReadOnlyList<JsonElement> Parse(string text) =>
        [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(static line =>
        {
            try
            {
                using var document = JsonDocument.Parse(line);
                Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
                Assert.True(DateTime.TryParse(document.RootElement.GetProperty("time").GetString(), System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.RoundtripKind, out _), $"no time in {line}");
                return document.RootElement.Clone();
            }
            catch (JsonException exception)
            {
                throw new Xunit.Sdk.XunitException($"not a JSON line: {line}\n{exception.Message}");
            }
        })];

    /// <summary>The <c>event</c> of each line, in order.</summary>
    public static string[] Names(IReadOnlyList<JsonElement> events) => [.. events.Select(static e => e.GetProperty("event").GetString()!)];

    public static JsonElement Single(IReadOnlyList<JsonElement> events, string name) => Assert.Single(events, e => e.GetProperty("event").GetString() == name);
}
