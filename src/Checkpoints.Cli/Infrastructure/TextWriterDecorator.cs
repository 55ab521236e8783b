using System.Text;

namespace Checkpoints.Cli.Infrastructure;

/// <summary>
/// A writer that passes text on to another, for a derived writer to change how (escape it, guard it): the plumbing
/// they share. Character arrays and spans are written as strings, so a derived writer that handles
/// <c>Write(string)</c> and <c>Write(char)</c> sees every write.
/// </summary>
internal abstract class TextWriterDecorator(TextWriter inner) : TextWriter
{
    public override Encoding Encoding => Inner.Encoding;

    public override IFormatProvider FormatProvider => Inner.FormatProvider;

    [System.Diagnostics.CodeAnalysis.AllowNull]
    public override string NewLine
    {
        get => Inner.NewLine;
        set => Inner.NewLine = value;
    }

    protected TextWriter Inner { get; } = inner;

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void Write(ReadOnlySpan<char> buffer) => Write(new string(buffer));

    public override void Flush() => Inner.Flush();

    protected override void Dispose(bool disposing)
    {
        // The inner writer belongs to whoever made it (the process's standard streams, or a test's StringWriter).
        if (disposing)
        {
            Inner.Flush();
        }

        base.Dispose(disposing);
    }
}
