using System.Text;

namespace Checkpoints.Cli;

/// <summary>
/// A writer that passes text on with control characters escaped (see <see cref="TerminalText"/>), lines and tabs
/// kept. Plain output and standard error go through one, so no message, log line or report can carry a terminal
/// command from a file to the screen, whoever formatted it.
/// </summary>
internal sealed class TerminalSafeWriter(TextWriter inner) : TextWriter
{
    public override Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => inner.FormatProvider;

    [System.Diagnostics.CodeAnalysis.AllowNull]
    public override string NewLine
    {
        get => inner.NewLine;
        set => inner.NewLine = value;
    }

    public override void Write(char value)
    {
        if (TerminalText.IsUnsafe(value, keepLineBreaks: true))
        {
            inner.Write(TerminalText.Escape(value.ToString(), keepLineBreaks: true));
        }
        else
        {
            inner.Write(value);
        }
    }

    public override void Write(string? value) => inner.Write(value is null ? null : TerminalText.Escape(value, keepLineBreaks: true));

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void Write(ReadOnlySpan<char> buffer) => Write(new string(buffer));

    public override void WriteLine(string? value)
    {
        Write(value);
        inner.WriteLine();
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync() => inner.FlushAsync();

    public override Task WriteAsync(string? value) => inner.WriteAsync(value is null ? null : TerminalText.Escape(value, keepLineBreaks: true));

    public override Task WriteLineAsync(string? value) => inner.WriteLineAsync(value is null ? null : TerminalText.Escape(value, keepLineBreaks: true));

    public override Task WriteAsync(char value) => WriteAsync(value.ToString());

    public override Task WriteLineAsync() => inner.WriteLineAsync();

    protected override void Dispose(bool disposing)
    {
        // The inner writer belongs to whoever made it (the process's standard streams, or a test's StringWriter).
        if (disposing)
        {
            inner.Flush();
        }

        base.Dispose(disposing);
    }
}
