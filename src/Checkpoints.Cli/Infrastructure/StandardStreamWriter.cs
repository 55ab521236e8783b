namespace Checkpoints.Cli.Infrastructure;

/// <summary>
/// The process's standard output or error, with a failure to write them said as such. Output that cannot be written
/// (a full disk behind a redirect, a closed descriptor) surfaced as the runtime's "No space left on device" or "Access
/// to the path is denied", as if about the checkpoint. Standard error swallows its own failures: with nowhere to report
/// them, the exit code still tells the outcome, where an exception escaping the error report aborted the process.
/// </summary>
internal sealed class StandardStreamWriter(TextWriter inner, string name, bool swallowFailures) : TextWriterDecorator(inner)
{
    public override void Write(char value) => Guard(() => Inner.Write(value));

    public override void Write(string? value) => Guard(() => Inner.Write(value));

    public override void WriteLine(string? value) => Guard(() => Inner.WriteLine(value));

    public override void Flush() => Guard(Inner.Flush);

    private void Guard(Action write)
    {
        try
        {
            write();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            if (!swallowFailures)
            {
                // Without a path, the runtime's denial means a descriptor that is closed or not open for writing.
                var reason = exception is UnauthorizedAccessException ? "it is closed" : exception.Message;
                throw new OutputFailedException($"writing to {name} failed: {reason}", exception);
            }
        }
    }
}

/// <summary>This process's own output could not be written: not a fault of the checkpoint or of its storage.</summary>
internal sealed class OutputFailedException(string message, Exception innerException) : IOException(message, innerException);
