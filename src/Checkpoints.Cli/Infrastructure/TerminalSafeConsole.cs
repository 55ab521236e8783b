using Spectre.Console;
using Spectre.Console.Rendering;

namespace Checkpoints.Cli.Infrastructure;

/// <summary>
/// The rich console with every text segment escaped (see <see cref="TerminalText"/>) before it is written: tables,
/// markup and progress keep their own colours and cursor movements (control segments pass through), while the text
/// in them, which may come from a file, cannot carry a terminal command.
/// </summary>
internal sealed class TerminalSafeConsole(IAnsiConsole inner) : IAnsiConsole
{
    public Profile Profile => inner.Profile;

    public IAnsiConsoleCursor Cursor => inner.Cursor;

    public IAnsiConsoleInput Input => inner.Input;

    public IExclusivityMode ExclusivityMode => inner.ExclusivityMode;

    public RenderPipeline Pipeline => inner.Pipeline;

    public void Clear(bool home) => inner.Clear(home);

    public void Write(IRenderable renderable) => inner.Write(new Escaped(renderable));

    public void WriteAnsi(Action<AnsiWriter> action) => inner.WriteAnsi(action);

    private sealed class Escaped(IRenderable inner) : IRenderable
    {
        public Measurement Measure(RenderOptions options, int maxWidth) => inner.Measure(options, maxWidth);

        public IEnumerable<Segment> Render(RenderOptions options, int maxWidth) =>
            inner.Render(options, maxWidth).Select(static segment => segment.IsControlCode || segment.IsLineBreak
                ? segment
                : new Segment(TerminalText.Escape(segment.Text, keepLineBreaks: true), segment.Style, segment.Link));
    }
}
