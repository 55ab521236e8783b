using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Checkpoints.Cli;

/// <summary>Machine output: one indented JSON document, with paths and messages left readable (no \u escapes for '+' or quotes).</summary>
internal static class Json
{
    private static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(TextWriter output, Action<Utf8JsonWriter> write) => output.WriteLine(ToText(write));

    public static string ToText(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Writes <paramref name="value"/>, or <c>null</c> for a number that is not known.</summary>
    public static void WriteNumberOrNull(this Utf8JsonWriter writer, string name, long? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
