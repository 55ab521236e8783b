using System.CommandLine;
using Checkpoints.Cli.Infrastructure;
using Checkpoints.Cli.Output;
using Checkpoints.Loading.Planning;

namespace Checkpoints.Cli.Commands;

/// <summary><c>ckpt plan PATH</c>: how each shard would be read and why, without reading any data.</summary>
internal static class PlanCommand
{
    public static Command Create(CliConsole console)
    {
        var path = CommonOptions.CheckpointPath();
        var json = CommonOptions.Json();
        var load = new LoadOptionsBinding();
        var command = new Command("plan", "Show how each shard would be read and why (file systems, cache, memory), without reading any data.") { path, json };
        load.AddTo(command);

        command.SetAction((result, cancellationToken) => CommandErrors.RunAsync(console, token =>
        {
            LoadPlan plan;
            using (var logging = CliLogging.Create(result.GetValue(CommonOptions.Verbose)))
            {
                plan = Checkpoint.PlanLoad(result.GetRequiredValue(path), load.Bind(result), logging.CreateLogger("ckpt"), token);
            }

            if (result.GetValue(json))
            {
                Json.Write(console.OutWriter, PlanDocument.From(plan), CliJsonContext.Readable.PlanDocument);
            }
            else
            {
                console.OutWriter.Write(FlagTerms.Translate(plan.ToString()));
            }

            return Task.FromResult(ExitCodes.Success);
        }, cancellationToken));
        return command;
    }
}
