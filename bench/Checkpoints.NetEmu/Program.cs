using Checkpoints.NetEmu;

return await NetEmuCommand.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
