using System.CommandLine;
using Checkpoints.Cli.Commands;
using Checkpoints.Cli.Infrastructure;
using Checkpoints.Cli.Telemetry;

namespace Checkpoints.Cli;

/// <summary>The `ckpt` command tree. Each command lives in its own file under Commands/.</summary>
internal static class CkptApp
{
    /// <summary>Every command's exit codes, at the end of the root help (README.md has the same table).</summary>
    internal const string ExitCodesHelp =
        "Exit codes: 0 success; 1 failure (a bad checkpoint, failing storage, no permission, out of memory; one line on standard error); " +
        "2 usage error (a bad command, flag or value; CKPT_LOAD_STRATEGY for plan and load); 130 interrupted (Ctrl-C, SIGINT); 143 terminated (SIGTERM). " +
        "verify: 1 also when the checkpoint has problems. " +
        "wait: 0 the prefetch succeeded; 1 it failed, or its process ended without saying; 124 still running at --timeout. " +
        "exec: the command's own exit code, or 128+N when signal N killed it (a failed prefetch does not change it); " +
        "126 the command cannot be run (not executable, a directory); 127 the command was not found; 2 usage error (no -- or no command).";

    public static RootCommand Build(CliConsole console, TerminationSignals? signals = null)
    {
        var root = new RootCommand(
            "ckpt: inspect, verify, plan and load safetensors checkpoints as fast as the storage allows.\n\n" + ExitCodesHelp);
        root.Options.Add(CommonOptions.Verbose);
        root.Options.Add(CommonOptions.Metrics);
        foreach (var option in TelemetryOptions.All)
        {
            root.Options.Add(option);
        }

        foreach (var command in Commands(console, signals))
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    private static IEnumerable<Command> Commands(CliConsole console, TerminationSignals? signals)
    {
        yield return DemoCommand.Create(console);
        yield return InspectCommand.Create(console);
        yield return VerifyCommand.Create(console);
        yield return SynthCommand.Create(console);
        yield return PlanCommand.Create(console);
        yield return LoadCommand.Create(console);
        yield return PrefetchCommand.Create(console, signals);
        yield return WaitCommand.Create(console);
        yield return ExecCommand.Create(console, signals);
        yield return EvictCommand.Create(console);
        yield return ProbeCommand.Create(console);
    }

    /// <param name="args">The command line.</param>
    /// <param name="console">Where the command writes.</param>
    /// <param name="signals">The process's signals (null in tests run in-process): their token cancels the command, and exec forwards them.</param>
    public static async Task<int> RunAsync(string[] args, CliConsole console, TerminationSignals? signals = null)
    {
        var cancellationToken = signals?.Token ?? CancellationToken.None;
        var root = Build(console, signals);
        // "@name" is a file name here, never a response file to expand.
        var parseResult = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        // Signals are the caller's to turn into the token (Program: TerminationSignals), not System.CommandLine's.
        var configuration = new InvocationConfiguration
        {
            Output = console.OutWriter,
            Error = console.Error,
            ProcessTerminationTimeout = null,
            // Failures outside a command's own handling (help or --version that cannot write) are ours to report, in one line.
            EnableDefaultExceptionHandler = false,
        };

        // Usage errors exit with 2 everywhere, so scripts can tell "bad invocation" from "bad checkpoint" (1).
        if (parseResult.Errors.Count > 0)
        {
            // An unknown word explains the rest ("Required command was not provided" follows from it): say it first.
            foreach (var error in parseResult.Errors.OrderBy(static error => error.Message.StartsWith("Unrecognized", StringComparison.Ordinal) ? 0 : 1))
            {
                await console.Error.WriteLineAsync($"ckpt: {error.Message}").ConfigureAwait(false);
            }

            await console.Error.WriteLineAsync("Run 'ckpt --help' for usage.").ConfigureAwait(false);
            return ExitCodes.UsageError;
        }

        using var metrics = parseResult.GetValue(CommonOptions.Metrics) ? new MetricsSummary() : null;
        using var export = TelemetryExport.Start(ExportSettings.From(parseResult), console.Error);
        try
        {
            return await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (CommandErrors.IsUserFacing(exception))
        {
            await console.Error.WriteLineAsync($"ckpt: error: {CommandErrors.Describe(exception)}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        finally
        {
            // Also after a failure: the errors counted and the time spent are what an operator wants to see then.
            metrics?.WriteTo(console.Error);
            // Last: it may wait for the collector (boundedly), and everything the command counted is in by now.
            export?.Finish(console.Error);
        }
    }
}
