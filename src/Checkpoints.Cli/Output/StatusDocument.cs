namespace Checkpoints.Cli.Output;

/// <summary>
/// The status file of a detached prefetch (<c>ckpt prefetch --status FILE</c>), replaced whole at each change.
/// <c>state</c> is <c>running</c>, <c>succeeded</c> or <c>failed</c>; <c>exitCode</c> is null while running;
/// <c>pidStartTime</c> (the process's start in clock ticks after boot, from /proc) tells a later process with the same
/// pid from this one.
/// </summary>
internal sealed record StatusDocument(
    string State,
    int Pid,
    long? PidStartTime,
    int? ExitCode,
    long Bytes,
    long BytesPlanned,
    double Seconds,
    string? Message,
    string Checkpoint,
    string? Log,
    string Updated)
{
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsFinal => State is Succeeded or Failed;
}
