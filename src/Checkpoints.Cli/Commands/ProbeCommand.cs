using System.CommandLine;
using System.Globalization;
using Checkpoints.Cli.Infrastructure;
using Checkpoints.Cli.Output;
using Checkpoints.Loading.Planning;
using Checkpoints.Storage.Facts;
using Checkpoints.Units;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Checkpoints.Cli.Commands;

/// <summary><c>ckpt probe PATH</c>: the storage facts the loader would act on, for each shard and for memory.</summary>
internal static class ProbeCommand
{
    public static Command Create(CliConsole console)
    {
        var path = CommonOptions.CheckpointPath();
        var json = CommonOptions.Json();
        var networkFs = new Option<string[]>("--network-fs")
        {
            Description = $"File system types to treat as network, comma separated (in addition to the built-in table and ${LoadOptions.NetworkFileSystemsVariable}).",
            AllowMultipleArgumentsPerToken = false,
        };

        var command = new Command("probe", "Show the storage facts under a checkpoint: file system and page cache residency of each shard, and the memory this process may use.")
        {
            path,
            json,
            networkFs,
        };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            console,
            parseResult.GetValue(path)!,
            parseResult.GetValue(json),
            parseResult.GetValue(networkFs) ?? [],
            cancellationToken));
        return command;
    }

    private static Task<int> RunAsync(CliConsole console, string path, bool json, string[] networkFs, CancellationToken cancellationToken) =>
        CommandErrors.RunAsync(console, async token =>
        {
            // Only the file names and the index are read: the facts are about the files, not their headers.
            var facts = await Task.Run(() => Checkpoint.ProbeStorage(path, networkFs, token), token).ConfigureAwait(false);
            if (json)
            {
                await console.OutWriter.WriteLineAsync(ToJson(facts)).ConfigureAwait(false);
            }
            else
            {
                Render(console.Out, facts);
            }

            return ExitCodes.Success;
        }, cancellationToken);

    private static void Render(IAnsiConsole console, StorageFacts facts)
    {
        var files = new Table().Title("Shards");
        foreach (var column in (string[])["File", "Mount point", "Type", "Class", "Size", "Cached"])
        {
            files.AddColumn(column);
        }

        foreach (var file in facts.Files)
        {
            var fs = file.FileSystem;
            var residency = file.Residency;
            var cached = residency.CachedBytes is { } c
                ? $"{ByteSize.Format(c)} ({Percent(c, residency.SizeBytes)}, {residency.Method.ToString().ToLowerInvariant()})"
                : $"unknown: {residency.Reason}";
            files.AddRow(Cells(
                Path.GetFileName(fs.Path),
                fs.MountPoint ?? "?",
                fs.FileSystemType,
                fs.Class.ToString().ToLowerInvariant(),
                ByteSize.Format(residency.SizeBytes),
                cached));
        }

        console.Write(files);
        foreach (var file in facts.Files)
        {
            var fs = file.FileSystem;
            console.Write(new Text($"{Path.GetFileName(fs.Path)}: {fs.RealPath} on {fs.FileSystemType} from {fs.MountSource ?? "?"}"
                + $"{(fs.MountRoot is { } root && root != "/" ? $" (root {root})" : string.Empty)}: {fs.Reason}."));
            console.WriteLine();
        }

        console.WriteLine();

        var memory = facts.Memory;
        var table = new Table().Title("Memory");
        foreach (var column in (string[])["Level", "Limit", "Usage", "Inactive file", "Available"])
        {
            table.AddColumn(column);
        }

        table.AddRow(Cells(
            $"host ({memory.HostAvailableSource})",
            memory.HostTotalBytes is { } total ? $"{ByteSize.Format(total)} total" : "?",
            string.Empty,
            string.Empty,
            Bytes(memory.HostAvailableBytes)));
        foreach (var level in memory.CgroupLevels)
        {
            table.AddRow(Cells(
                $"cgroup v{level.Version} {level.CgroupPath}" + (ReferenceEquals(level, memory.BindingCgroup) ? " *" : string.Empty),
                level.LimitBytes is { } limit ? ByteSize.Format(limit) : "none",
                Bytes(level.UsageBytes),
                Bytes(level.InactiveFileBytes),
                level.LimitBytes is null ? "-" : Bytes(level.AvailableBytes)));
        }

        console.Write(table);
        console.Write(new Text($"Binding: {Bytes(memory.BindingAvailableBytes)} ({memory.BindingSource.ToString().ToLowerInvariant()}): {memory.BindingDescription}"));
        console.WriteLine();
    }

    private static IRenderable[] Cells(params string[] values) => [.. values.Select(v => new Text(v))];

    private static string Bytes(long? bytes) => bytes is { } b ? ByteSize.Format(b) : "?";

    private static string Percent(long part, long whole) =>
        whole == 0 ? "100%" : ((double)part / whole).ToString("0%", CultureInfo.InvariantCulture);

    internal static string ToJson(StorageFacts facts) => Json.ToText(ProbeDocument.From(facts), CliJsonContext.Readable.ProbeDocument);
}
