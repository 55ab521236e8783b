using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Checkpoints.Cli.Output;

namespace Checkpoints.Cli.Infrastructure;

/// <summary>Machine output: one indented JSON document, with paths and messages left readable (no \u escapes for '+' or quotes).</summary>
internal static class Json
{
    public static void Write<T>(TextWriter output, T document, JsonTypeInfo<T> type) => output.WriteLine(ToText(document, type));

    public static string ToText<T>(T document, JsonTypeInfo<T> type)
    {
        // The generated Default context would serialize too, escaping what the documents promise to leave readable.
        if (!ReferenceEquals(type.Options, CliJsonContext.Readable.Options))
        {
            throw new ArgumentException($"{typeof(T).Name}: write with {nameof(CliJsonContext)}.{nameof(CliJsonContext.Readable)}", nameof(type));
        }

        return JsonSerializer.Serialize(document, type);
    }
}
