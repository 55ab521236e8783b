using Checkpoints.Cli;
using Checkpoints.Cli.Infrastructure;

// A detached prefetch leaves the caller's session and standard streams before anything else is done or written.
DetachedPrefetch.EnterIfAsked();
using var signals = new TerminationSignals();
return signals.ExitCode(await CkptApp.RunAsync(args, CliConsole.ForProcess(), signals));
