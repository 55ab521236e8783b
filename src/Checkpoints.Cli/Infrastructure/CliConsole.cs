using Spectre.Console;

namespace Checkpoints.Cli.Infrastructure;

/// <summary>
/// Where a command writes: rich output for people (tables, progress) on <see cref="Out"/>, the same
/// stream as plain text for machine output (<c>--json</c>), and diagnostics on <see cref="Error"/>.
/// Tests build one over string writers.
/// </summary>
internal sealed class CliConsole
{
    /// <remarks>Everything written through the console is escaped for the terminal (see <see cref="TerminalText"/>).</remarks>
    public CliConsole(IAnsiConsole @out, TextWriter outWriter, TextWriter error, bool isInteractive)
    {
        Out = new TerminalSafeConsole(@out);
        OutWriter = new TerminalSafeWriter(outWriter);
        Error = new TerminalSafeWriter(error);
        IsInteractive = isInteractive;
    }

    public IAnsiConsole Out { get; }

    public TextWriter OutWriter { get; }

    public TextWriter Error { get; }

    /// <summary>True when a person watches a terminal: progress bars are shown only then.</summary>
    public bool IsInteractive { get; }

    public static CliConsole ForProcess()
    {
        var interactive = !Console.IsOutputRedirected && !Console.IsErrorRedirected;
        // Before the rich console is made, so that it writes through the guard too (and still sees the terminal). The log
        // writes to the process's standard error itself, so the escaping (see TerminalText) is put there as well; the
        // console's own Error below wraps it again, which changes nothing: escaped text has nothing left to escape.
        Console.SetOut(new StandardStreamWriter(Console.Out, "standard output", swallowFailures: false));
        Console.SetError(new TerminalSafeWriter(new StandardStreamWriter(Console.Error, "standard error", swallowFailures: true)));
        var ansi = AnsiConsole.Console;
        if (Console.IsOutputRedirected)
        {
            // Piped output is read by programs and logs: do not wrap lines at a guessed terminal width.
            ansi.Profile.Width = 240;
        }

        return new CliConsole(ansi, Console.Out, Console.Error, interactive);
    }

    public static CliConsole ForWriters(TextWriter output, TextWriter error)
    {
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        ansi.Profile.Width = 160;
        return new CliConsole(ansi, output, error, isInteractive: false);
    }
}
