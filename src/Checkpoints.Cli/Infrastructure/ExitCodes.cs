namespace Checkpoints.Cli.Infrastructure;

/// <summary>Process exit codes shared by every command.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The checkpoint (or the storage under it) is bad: the message says what and where.</summary>
    public const int Failure = 1;

    /// <summary>The command line itself is wrong.</summary>
    public const int UsageError = 2;

    /// <summary><c>wait</c> gave up at its <c>--timeout</c> (the code <c>timeout</c>(1) uses).</summary>
    public const int TimedOut = 124;

    /// <summary><c>exec</c>: the command was found but could not be run (not executable, a directory), as shells say.</summary>
    public const int CannotExecute = 126;

    /// <summary><c>exec</c>: the command was not found, as shells say.</summary>
    public const int CommandNotFound = 127;

    /// <summary>Interrupted by Ctrl-C (128 + SIGINT, as shells report it); what every command returns when cancelled.</summary>
    public const int Cancelled = 130;

    /// <summary>Stopped by SIGTERM (128 + 15), after cleaning up (see <see cref="TerminationSignals"/>).</summary>
    public const int Terminated = 143;
}
