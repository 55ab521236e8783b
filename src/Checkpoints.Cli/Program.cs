using Checkpoints.Cli;




using var signals = new TerminationSignals();
return signals.ExitCode(await CkptApp.RunAsync(args, CliConsole.ForProcess(), signals.Token));
