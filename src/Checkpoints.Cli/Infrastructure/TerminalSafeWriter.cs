namespace Checkpoints.Cli.Infrastructure;

/// <summary>
/// A writer that passes text on with control characters escaped (see <see cref="TerminalText"/>), lines and tabs
/// kept. Plain output and standard error go through one, so no message, log line or report can carry a terminal
/// command from a file to the screen, whoever formatted it.
/// </summary>
internal sealed class TerminalSafeWriter(TextWriter inner) : TextWriterDecorator(inner)
{
    public override void Write(char value)
    {
        if (TerminalText.IsUnsafe(value, keepLineBreaks: true))
        {
            Inner.Write(TerminalText.Escape(value.ToString(), keepLineBreaks: true));
        }
        else
        {
            Inner.Write(value);
        }
    }

    public override void Write(string? value) => Inner.Write(value is null ? null : TerminalText.Escape(value, keepLineBreaks: true));

    public override void WriteLine(string? value)
    {
        Write(value);
        Inner.WriteLine();
    }

    public override Task FlushAsync() => Inner.FlushAsync();

    public override Task WriteAsync(string? value) => Inner.WriteAsync(value is null ? null : TerminalText.Escape(value, keepLineBreaks: true));

    public override Task WriteLineAsync(string? value) => Inner.WriteLineAsync(value is null ? null : TerminalText.Escape(value, keepLineBreaks: true));

    public override Task WriteAsync(char value) => WriteAsync(value.ToString());

    public override Task WriteLineAsync() => Inner.WriteLineAsync();
}
