using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Checkpoints.Cli.Output;

/// <summary>
/// The serializers of <c>--progress json</c> events and of the detached prefetch's status file: like
/// <see cref="CliJsonContext"/>, but one object per line (not indented), so a reader can split on newlines.
/// </summary>
[JsonSourceGenerationOptions(
    WriteIndented = false,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(PlanEvent))]
[JsonSerializable(typeof(FileStartEvent))]
[JsonSerializable(typeof(FileDoneEvent))]
[JsonSerializable(typeof(ProgressUpdateEvent))]
[JsonSerializable(typeof(WarningEvent))]
[JsonSerializable(typeof(LogEvent))]
[JsonSerializable(typeof(PrefetchDoneEvent))]
[JsonSerializable(typeof(ResultEvent))]
[JsonSerializable(typeof(StatusDocument))]
internal sealed partial class EventJsonContext : JsonSerializerContext
{
    /// <summary>The context to write with: paths and messages readable, as in <see cref="CliJsonContext.Readable"/>.</summary>
    public static EventJsonContext Readable => LazyInitializer.EnsureInitialized(ref field, static () => new(new JsonSerializerOptions(Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    }));
}
