namespace Checkpoints.Cli.Infrastructure;

/// <summary>
/// Turns the errors a user can act on (a broken checkpoint, a missing file, failing storage, no permission, memory
/// that ran out) into one line on standard error and exit code 1. Anything else is a bug and keeps its stack trace.
/// </summary>
internal static class CommandErrors
{
    public static async Task<int> RunAsync(CliConsole console, Func<CancellationToken, Task<int>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await action(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await console.Error.WriteLineAsync("ckpt: cancelled").ConfigureAwait(false);
            return ExitCodes.Cancelled;
        }
        catch (UsageException exception)
        {
            await console.Error.WriteLineAsync($"ckpt: {exception.Message}").ConfigureAwait(false);
            await console.Error.WriteLineAsync("Run 'ckpt --help' for usage.").ConfigureAwait(false);
            return ExitCodes.UsageError;
        }
        catch (OutOfMemoryException)
        {
            // Not a bug to trace but a limit to name: the allocation that failed is in the runtime, the fix is the user's.
            await console.Error.WriteLineAsync(
                "ckpt: error: out of memory: this process could not allocate what the load holds (eager keeps a whole shard in memory); "
                + "'ckpt plan PATH' shows the memory limits it found; use --strategy auto or prefetch, which stay within the budget, or raise the limit")
                .ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (Exception exception) when (IsUserFacing(exception))
        {
            await console.Error.WriteLineAsync($"ckpt: error: {Describe(exception)}").ConfigureAwait(false);
            return ExitCodes.Failure;
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
