using System.Globalization;
using System.Text.Json.Serialization;
using Checkpoints.Cli.Infrastructure;
using Checkpoints.Loading.Planning;

namespace Checkpoints.Cli.Output;

/// <summary>
/// One line of <c>--progress json</c>: every event names itself first (<c>event</c>), then when it happened (<c>time</c>,
/// UTC, ISO 8601 with milliseconds). Consumers switch on <c>event</c> and ignore what they do not know.
/// </summary>
internal abstract record ProgressEvent(
    [property: JsonPropertyOrder(-2)] string Event)
{
    [JsonPropertyOrder(-1)]
    public string Time { get; } = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

/// <summary>What will be read and why, before the first byte: <c>bytes</c> is what this process plans to read.</summary>
internal sealed record PlanEvent(
    string Strategy,
    string Summary,
    long Bytes,
    long? BudgetBytes,
    string Budget,
    long? WindowBytes,
    int Threads,
    IReadOnlyList<PlanFileEvent> Files,
    IReadOnlyList<string> Warnings) : ProgressEvent("plan")
{
    public static PlanEvent From(LoadPlan plan, long bytes) => new(
        LoadPlanJson.Name(plan.Requested),
        FlagTerms.Translate(plan.Summary),
        bytes,
        plan.BudgetBytes,
        FlagTerms.Translate(plan.BudgetReason),
        plan.WindowBytes,
        plan.Threads,
        [.. plan.Shards.Select(static shard => new PlanFileEvent(shard.Path, shard.Length, LoadPlanJson.Name(shard.Strategy), shard.Access.Name(), shard.PrefetchedHere, FlagTerms.Translate(shard.Reason)))],
        [.. plan.Warnings.Select(FlagTerms.Translate)]);
}

/// <summary>A file of the plan: how it will be read, whether this process prefetches it, and the reason.</summary>
internal sealed record PlanFileEvent(string Path, long Bytes, string Strategy, string Access, bool Prefetched, string Reason);

/// <summary>Reading a file starts: <c>bytes</c> is what this process will read of it.</summary>
internal sealed record FileStartEvent(string Path, long Bytes) : ProgressEvent("file-start");

/// <summary>A file is done (read, or found cached, or given up after a read error, which a warning said).</summary>
internal sealed record FileDoneEvent(string Path, long Bytes, double Seconds) : ProgressEvent("file-done");

/// <summary>Bytes done of the total, and the average rate so far; at most four a second.</summary>
internal sealed record ProgressUpdateEvent(long BytesDone, long BytesTotal, double BytesPerSecond) : ProgressEvent("progress");

/// <summary>Something an operator should know (the library's warnings, a prefetch that failed under exec).</summary>
internal sealed record WarningEvent(string Message) : ProgressEvent("warning");

/// <summary>With --verbose: a fact or decision the library logged.</summary>
internal sealed record LogEvent(string Message) : ProgressEvent("log");

/// <summary>
/// Under <c>exec</c>: the prefetch ended while the command may still run. <c>state</c> is <c>done</c>, <c>budget</c>
/// (stopped at the memory budget), <c>cancelled</c> (the command exited first, or a signal) or <c>failed</c>.
/// </summary>
internal sealed record PrefetchDoneEvent(bool Ok, string State, long Bytes, long BytesPlanned, double Seconds, double BytesPerSecond, string? Message)
    : ProgressEvent("prefetch-done");

/// <summary>
/// The last line: <c>ok</c> is <c>exitCode == 0</c>, and <c>exitCode</c> is what <c>ckpt</c> exits with (under
/// <c>exec</c>, the command's). <c>bytes</c> and <c>seconds</c> are the prefetch's or the load's; <c>message</c> says
/// what failed. Fields only some commands have are left out elsewhere.
/// </summary>
internal sealed record ResultEvent(bool Ok, int ExitCode, long Bytes, double Seconds, double BytesPerSecond, string? Message) : ProgressEvent("result")
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? BytesPlanned { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? BytesAlreadyCached { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Digest { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Signal { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Prefetch { get; init; }
}
