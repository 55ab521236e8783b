namespace Checkpoints.Cli.Infrastructure;

/// <summary>
/// Turns the errors a user can act on (a broken checkpoint, a missing file, failing storage, no permission, memory
/// that ran out) into one line on standard error and exit code 1. Anything else is a bug and keeps its stack trace.
/// </summary>
internal static class CommandErrors
{
    public static Task<int> RunAsync(CliConsole console, Func<CancellationToken, Task<int>> action, CancellationToken cancellationToken) =>
        RunAsync(console, action, ended: null, cancellationToken);

    /// <summary>As <see cref="RunAsync(CliConsole, Func{CancellationToken, Task{int}}, CancellationToken)"/>, and tells <paramref name="ended"/> the exit code and the line said about a failure (null on success), for a status file or an event stream.</summary>
    public static async Task<int> RunAsync(CliConsole console, Func<CancellationToken, Task<int>> action, Action<int, string?>? ended, CancellationToken cancellationToken)
    {
        var (exitCode, message, usage) = await OutcomeOf(action, cancellationToken).ConfigureAwait(false);
        if (message is not null)
        {
            await console.Error.WriteLineAsync($"ckpt: {message}").ConfigureAwait(false);
        }

        if (usage)
        {
            await console.Error.WriteLineAsync("Run 'ckpt --help' for usage.").ConfigureAwait(false);
        }

        ended?.Invoke(exitCode, message);
        return exitCode;
    }

    private static async Task<(int ExitCode, string? Message, bool Usage)> OutcomeOf(Func<CancellationToken, Task<int>> action, CancellationToken cancellationToken)
    {
        try
        {
            return (await action(cancellationToken).ConfigureAwait(false), null, false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return (ExitCodes.Cancelled, "cancelled", false);
        }
        catch (UsageException exception)
        {
            return (ExitCodes.UsageError, exception.Message, true);
        }
        catch (OutOfMemoryException)
        {
            // Not a bug to trace but a limit to name: the allocation that failed is in the runtime, the fix is the user's.
            return (ExitCodes.Failure,
                "error: out of memory: this process could not allocate what the load holds (eager keeps a whole shard in memory); "
                + "'ckpt plan PATH' shows the memory limits it found; use --strategy auto or prefetch, which stay within the budget, or raise the limit", false);
        }
        catch (Exception exception) when (IsUserFacing(exception))
        {
            return (ExitCodes.Failure, $"error: {Describe(exception)}", false);
        }
    }

    /// <summary>The message in the user's terms, on one line (a name from a file may hold line breaks: they are escaped): the runtime's own wording ("Access to the path ... is denied.", " (Parameter 'x')") says neither what to do nor where.</summary>
    internal static string Describe(Exception exception) => TerminalText.Escape(FlagTerms.Translate(exception switch
    {
        // The runtime's "Access to the path '/x' is denied." names the path but neither the cause nor the fix.
        UnauthorizedAccessException when DeniedPath(exception.Message) is { } path =>
            $"{path}: permission denied: check its permissions and its folders' (ls -l), or run as a user who may read it",
        ArgumentException { ParamName: { } name } argument when argument.Message.EndsWith($" (Parameter '{name}')", StringComparison.Ordinal) =>
            argument.Message[..^$" (Parameter '{name}')".Length],
        _ => exception.Message,
    }));

    private static string? DeniedPath(string message)
    {
        const string Prefix = "Access to the path '", Suffix = "' is denied.";
        return message.StartsWith(Prefix, StringComparison.Ordinal) && message.EndsWith(Suffix, StringComparison.Ordinal)
            ? message[Prefix.Length..^Suffix.Length]
            : null;
    }

    public static bool IsUserFacing(Exception exception) =>
        exception is IOException or UnauthorizedAccessException or ArgumentException;
}
