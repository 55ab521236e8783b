using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Checkpoints.Cli.Output;

/// <summary>
/// Writes <c>--progress json</c> events, one whole line per write call: events come from the prefetch's worker threads,
/// the log and the command at once, and under <c>exec</c> the stream is shared with the child's own standard error, where a
/// line written in pieces could be cut by the child's.
/// </summary>
internal sealed class EventStream(TextWriter output)
{
    private readonly Lock _lock = new();

    public void Write<T>(T value, JsonTypeInfo<T> type)
        where T : ProgressEvent
    {
        var line = JsonSerializer.Serialize(value, type) + "\n";
        lock (_lock)
        {
            output.Write(line);
            output.Flush();
        }
    }

    public void Warning(string message) => Write(new WarningEvent(message), EventJsonContext.Readable.WarningEvent);

    public void Log(string message) => Write(new LogEvent(message), EventJsonContext.Readable.LogEvent);

    public void Result(ResultEvent result) => Write(result, EventJsonContext.Readable.ResultEvent);
}
