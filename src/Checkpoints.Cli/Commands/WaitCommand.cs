using System.CommandLine;
using System.Diagnostics;
using Checkpoints.Cli.Infrastructure;
using Checkpoints.Cli.Output;

namespace Checkpoints.Cli.Commands;

/// <summary>
/// <c>ckpt wait STATUS</c>: blocks until a detached prefetch (<c>ckpt prefetch --background</c>) is done, and says how
/// it went: 0 succeeded, 1 failed (or its process ended without a final status), 124 timed out (as <c>timeout</c> does).
/// </summary>
internal static class WaitCommand
{
    /// <summary>How often the status file is read: it changes twice in a prefetch's life, so this is about latency only.</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    public static Command Create(CliConsole console)
    {
        var status = CommonOptions.NonEmptyPath("status", "The status file a 'ckpt prefetch --background' printed (or was given with --status).");
        var timeout = new Option<string>("--timeout")
        {
            Description = $"How long to wait before giving up with exit code {ExitCodes.TimedOut}: 90s, 10m, 1h, or 'none'.",
            HelpName = "duration",
            DefaultValueFactory = _ => "30m",
        };
        timeout.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } text && LoadOptionsBinding.Duration(text) is null)
            {
                result.AddError($"--timeout: '{text}' is not a duration; use 90s, 10m, 1h or none");
            }
        });
        var command = new Command("wait", $"Wait for a background prefetch to end: exit 0 if it succeeded, 1 if it failed, {ExitCodes.TimedOut} on --timeout.") { status, timeout };
        command.SetAction((result, cancellationToken) => CommandErrors.RunAsync(console, token =>
            WaitAsync(console, result.GetRequiredValue(status), LoadOptionsBinding.Duration(result.GetRequiredValue(timeout))!.Value, token), cancellationToken));
        return command;
    }

    private static async Task<int> WaitAsync(CliConsole console, string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var status = StatusFile.Read(path);
            if (!status.IsFinal && !IsRunning(status))
            {
                // It may have written its final status just before it ended.
                status = StatusFile.Read(path);
                if (!status.IsFinal)
                {
                    var log = status.Log is { } file ? $"; its log is {file}" : string.Empty;
                    await console.Error.WriteLineAsync(
                        $"ckpt: error: {path}: the prefetch (pid {status.Pid}) ended without a final status (killed, or out of memory?){log}").ConfigureAwait(false);
                    return ExitCodes.Failure;
                }
            }

            if (status.IsFinal)
            {
                return await ReportAsync(console, path, status).ConfigureAwait(false);
            }

            if (timeout != Timeout.InfiniteTimeSpan && clock.Elapsed >= timeout)
            {
                await console.Error.WriteLineAsync(
                    $"ckpt: error: {path}: the prefetch (pid {status.Pid}) is still running after {timeout.TotalSeconds:0.#} s; wait longer with --timeout, or stop it with 'kill {status.Pid}'").ConfigureAwait(false);
                return ExitCodes.TimedOut;
            }

            await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether the process the status names still runs: the same pid, started at the same time (not a later process given the pid).</summary>
    private static bool IsRunning(StatusDocument status) =>
        StatusFile.StartTimeOf(status.Pid) is { } started && (status.PidStartTime is not { } recorded || recorded == started);

    private static async Task<int> ReportAsync(CliConsole console, string path, StatusDocument status)
    {
        if (status.State == StatusDocument.Succeeded)
        {
            await console.OutWriter.WriteLineAsync($"prefetch of {status.Checkpoint} succeeded: {PrefetchSummary.Warmed(status.Bytes, status.BytesPlanned, status.Seconds, readers: null)}").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var log = status.Log is { } file ? $"; its log is {file}" : string.Empty;
        await console.Error.WriteLineAsync(
            $"ckpt: error: {path}: the prefetch of {status.Checkpoint} failed with exit code {status.ExitCode}: {status.Message ?? "no message"}{log}").ConfigureAwait(false);
        return ExitCodes.Failure;
    }
}
