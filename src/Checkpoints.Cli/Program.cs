using Checkpoints.Cli;
using Checkpoints.Cli.Infrastructure;




using var signals = new TerminationSignals();
return signals.ExitCode(await CkptApp.RunAsync(args, CliConsole.ForProcess(), signals.Token));
