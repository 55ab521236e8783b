using System.Text.Json.Serialization;
using Checkpoints.Cli.Infrastructure;
using Checkpoints.Format;
using Checkpoints.Verification;

namespace Checkpoints.Cli.Output;

/// <summary><c>ckpt verify --json</c>.</summary>
internal sealed record VerifyDocument(
    bool Valid,
    int ShardCount,
    int TensorCount,
    long BytesRead,
    IReadOnlyList<VerifyErrorJson> Errors,
    IReadOnlyList<string> Warnings)
{
    public static VerifyDocument From(VerificationReport report) => new(
        report.IsValid,
        report.ShardPaths.Count,
        report.TensorCount,
        report.BytesRead,
        [.. report.Errors.Select(VerifyErrorJson.From)],
        report.Warnings);
}

/// <summary>
/// One problem. A format problem adds its file and rule, and its offset and tensor when it has them; an I/O error has
/// its message only. Absent facts are left out rather than null, so a property's presence says what kind of problem it is.
/// </summary>
internal sealed record VerifyErrorJson(
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? File,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Rule,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? ByteOffset,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Tensor)
{
    public static VerifyErrorJson From(Exception error) => error is CheckpointFormatException format
        ? new(FlagTerms.Translate(error.Message), format.FilePath, format.Rule.ToString(), format.ByteOffset, format.TensorName)
        : new(FlagTerms.Translate(error.Message), null, null, null, null);
}
