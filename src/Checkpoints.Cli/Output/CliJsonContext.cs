using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Checkpoints.Cli.Output;

/// <summary>
/// The serializers of every --json document, generated at build time: no reflection, so the tool stays trimmable
/// and compilable ahead of time.
/// </summary>
/// <remarks>
/// Nulls are written, not left out: a script reads "unknown" as null rather than as a missing property. The few
/// properties that only some documents carry say so where they are declared.
/// </remarks>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(InspectDocument))]
[JsonSerializable(typeof(VerifyDocument))]
[JsonSerializable(typeof(PlanDocument))]
[JsonSerializable(typeof(LoadDocument))]
[JsonSerializable(typeof(PrefetchDocument))]
[JsonSerializable(typeof(ProbeDocument))]
internal sealed partial class CliJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The context to write with. <see cref="Default"/> escapes '+', quotes and every non-ASCII character as \u
    /// sequences, which makes paths and messages unreadable, and the options attribute cannot set an encoder. The
    /// relaxed encoder is safe here: the documents go to a terminal, a file or a pipe, never into HTML.
    /// </summary>
    /// <remarks>
    /// Made on first use, not in a static initializer: <see cref="Default"/> is initialized in the generated half of
    /// this class, and the order of static initializers across the files of a partial class is not defined.
    /// </remarks>
    public static CliJsonContext Readable => LazyInitializer.EnsureInitialized(ref field, static () => new(new JsonSerializerOptions(Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    }));
}
