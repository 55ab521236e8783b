using Checkpoints.Cli;

return await CkptApp.RunAsync(args, CliConsole.ForProcess());
