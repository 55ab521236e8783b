using System.CommandLine;
using Checkpoints.Cli.Infrastructure;
using Checkpoints.Cli.Output;
using Checkpoints.Units;
using Checkpoints.Verification;
using Spectre.Console;

namespace Checkpoints.Cli.Commands;

/// <summary><c>ckpt verify PATH</c>: validates every shard and reads every byte; exit 0 valid, 1 invalid, 2 usage.</summary>
internal static class VerifyCommand
{
    public static Command Create(CliConsole console)
    {
        var path = CommonOptions.CheckpointPath();
        var json = CommonOptions.Json();
        var command = new Command("verify", "Validate every shard of a checkpoint and read back all its data. The verdict goes to standard output, each problem to standard error (or all of it as --json). Exit code 0 when valid, 1 when not, 2 for a usage error.")
        {
            path, json,
        };
        command.SetAction((result, cancellationToken) => CommandErrors.RunAsync(console, token =>
        {
            var report = Checkpoint.Verify(result.GetRequiredValue(path), token);
            if (result.GetValue(json))
            {
                WriteJson(console, report);
            }
            else
            {
                WriteText(console, report);
            }

            return Task.FromResult(report.IsValid ? ExitCodes.Success : ExitCodes.Failure);
        }, cancellationToken));
        return command;
    }

    /// <summary>
    /// The verdict on standard output; each problem and warning on standard error as a <c>ckpt: error:</c> or
    /// <c>ckpt: warning:</c> line, where scripts and logs look for them, as with every other command.
    /// </summary>
    private static void WriteText(CliConsole console, VerificationReport report)
    {
        foreach (var warning in report.Warnings)
        {
            console.Error.WriteLine($"ckpt: warning: {TerminalText.Escape(warning)}");
        }

        foreach (var error in report.Errors)
        {
            console.Error.WriteLine($"ckpt: error: {CommandErrors.Describe(error)}");
        }

        if (report.IsValid)
        {
            console.Out.MarkupLineInterpolated(
                $"[green]valid[/]: {report.ShardPaths.Count} shard(s), {report.TensorCount} tensors, {ByteSize.Format(report.BytesRead)} of data read back");
            return;
        }

        console.Out.MarkupLineInterpolated($"[red]invalid[/]: {report.Errors.Count} problem(s) in {report.ShardPaths.Count} shard(s) (listed on standard error)");
    }

    private static void WriteJson(CliConsole console, VerificationReport report) =>
        Json.Write(console.OutWriter, VerifyDocument.From(report), CliJsonContext.Readable.VerifyDocument);
}
