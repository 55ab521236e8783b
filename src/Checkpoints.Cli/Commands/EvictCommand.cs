using System.CommandLine;
using Checkpoints.Cli.Infrastructure;
using Checkpoints.Storage.Cache;
using Checkpoints.Units;
using Spectre.Console;

namespace Checkpoints.Cli.Commands;

/// <summary><c>ckpt evict PATH</c>: drops a checkpoint's files from the page cache, for cold-start measurements. No root needed.</summary>
internal static class EvictCommand
{
    public static Command Create(CliConsole console)
    {
        var path = CommonOptions.CheckpointPath();
        var command = new Command("evict", "Drop a checkpoint's files from the page cache (for cold-start measurements; no root needed).") { path };
        command.SetAction((result, cancellationToken) => CommandErrors.RunAsync(console, token =>
        {
            var table = new Table().AddColumns("file", "size", "cached before", "cached after");
            foreach (var file in CheckpointCache.Evict(result.GetRequiredValue(path), token))
            {
                table.AddRow(Markup.Escape(file.Path), ByteSize.Format(file.Before.SizeBytes), Cached(file.Before), Cached(file.After));
            }

            console.Out.Write(table);
            return Task.FromResult(ExitCodes.Success);
        }, cancellationToken));
        return command;
    }

    private static string Cached(FileResidency residency) => residency.CachedBytes is { } bytes ? ByteSize.Format(bytes) : "unknown";
}
