using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using Checkpoints.Cli.Infrastructure;
using Checkpoints.Cli.Output;
using Checkpoints.Format;
using Checkpoints.Loading.Planning;
using Checkpoints.Units;
using Spectre.Console;

namespace Checkpoints.Cli.Commands;

/// <summary><c>ckpt inspect PATH</c>: shards, tensors and metadata, read from the headers alone.</summary>
internal static class InspectCommand
{
    public static Command Create(CliConsole console)
    {
        var path = CommonOptions.CheckpointPath();
        var json = CommonOptions.Json();
        var hash = new Option<bool>("--hash") { Description = "Add the SHA-256 of each tensor's bytes (reads all data)." };
        var command = new Command("inspect", "List the shards, tensors (name, dtype, shape, size, offsets) and metadata of a checkpoint.")
        {
            path, json, hash,
        };
        command.SetAction((result, cancellationToken) => CommandErrors.RunAsync(console, token =>
        {
            // Inspect is no loading command, so CKPT_LOAD_STRATEGY is not read. Without --hash only headers are read, and a
            // lazy plan starts no prefetch; hashing reads every byte, as planned for a load.
            var options = result.GetValue(hash) ? new LoadOptions() : new LoadOptions { Strategy = LoadStrategy.Lazy };
            using var checkpoint = Checkpoint.Open(result.GetRequiredValue(path), options, cancellationToken: token);
            var hashes = result.GetValue(hash) ? HashTensors(checkpoint, token) : null;
            if (result.GetValue(json))
            {
                WriteJson(console, checkpoint, hashes);
            }
            else
            {
                WriteTables(console, checkpoint, hashes);
            }

            return Task.FromResult(ExitCodes.Success);
        }, cancellationToken));
        return command;
    }

    private static Dictionary<string, string> HashTensors(Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        const int SliceBytes = 1 << 30;
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tensor in checkpoint.Tensors)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            for (long start = 0; start < tensor.ByteLength; start += SliceBytes)
            {
                sha.AppendData(tensor.GetBytes(start, (int)Math.Min(SliceBytes, tensor.ByteLength - start)));
            }

            hashes[tensor.Name] = Convert.ToHexStringLower(sha.GetHashAndReset());
        }

        return hashes;
    }

    private static void WriteTables(CliConsole console, Checkpoint checkpoint, Dictionary<string, string>? hashes)
    {
        var @out = console.Out;
        @out.MarkupLineInterpolated($"[bold]{checkpoint.SourcePath}[/]: {checkpoint.Shards.Count} shard(s), {checkpoint.Tensors.Count} tensors, {ByteSize.Format(checkpoint.TotalTensorBytes)} of tensor data");
        if (checkpoint.IndexPath is { } index)
        {
            @out.MarkupLineInterpolated($"index: {index}");
        }

        var shards = new Table().AddColumns("#", "file", "size", "header", "tensors");
        for (var i = 0; i < checkpoint.Shards.Count; i++)
        {
            var shard = checkpoint.Shards[i];
            shards.AddRow(Cell(i), Markup.Escape(shard.Path), Markup.Escape(ByteSize.Format(shard.FileLength)), Cell(shard.HeaderLength), Cell(shard.TensorCount));
        }

        @out.Write(shards);
        string[] headers = hashes is null
            ? ["name", "dtype", "shape", "size", "shard", "data offsets"]
            : ["name", "dtype", "shape", "size", "shard", "data offsets", "sha256"];
        var rows = checkpoint.Tensors.Select(tensor =>
        {
            var begin = tensor.FileOffset - checkpoint.Shards[tensor.ShardIndex].DataOffset;
            string[] row =
            [
                TerminalText.Escape(tensor.Name), tensor.DType.Name(), $"[{string.Join(", ", tensor.Shape)}]",
                ByteSize.Format(tensor.ByteLength), Cell(tensor.ShardIndex), $"[{begin}, {begin + tensor.ByteLength}]",
            ];
            return hashes is null ? row : [.. row, hashes[tensor.Name]];
        }).ToArray();
        if (rows.Length > RichTableLimit)
        {
            console.OutWriter.Flush();
            PlainTable.Write(console.OutWriter, headers, rows);
            console.OutWriter.Flush();
        }
        else
        {
            var tensors = new Table().AddColumns(headers);
            foreach (var row in rows)
            {
                tensors.AddRow([.. row.Select(Markup.Escape)]);
            }

            @out.Write(tensors);
        }

        foreach (var (shard, i) in checkpoint.Shards.Select((shard, i) => (shard, i)).Where(pair => pair.shard.Metadata.Count > 0))
        {
            @out.MarkupLineInterpolated($"metadata of shard {i}:");
            foreach (var (key, value) in shard.Metadata)
            {
                @out.MarkupLineInterpolated($"  {TerminalText.Escape(key)} = {TerminalText.Escape(Shortened(value))}");
            }
        }

        foreach (var warning in checkpoint.Warnings)
        {
            @out.MarkupLineInterpolated($"[yellow]warning:[/] {TerminalText.Escape(warning)}");
        }
    }

    /// <summary>Tensors beyond this many are listed as plain aligned text rather than a rich table (see <see cref="PlainTable"/>).</summary>
    private const int RichTableLimit = 2_000;

    /// <summary>Metadata values longer than this are cut in the text report (a header may hold a 100 MB one); --json has them whole.</summary>
    private const int MetadataValueLimit = 1_000;

    private static string Shortened(string value) => value.Length <= MetadataValueLimit
        ? value
        : string.Create(CultureInfo.InvariantCulture, $"{value[..MetadataValueLimit]}... ({value.Length - MetadataValueLimit:N0} more characters; --json shows it whole)");

    private static void WriteJson(CliConsole console, Checkpoint checkpoint, Dictionary<string, string>? hashes) =>
        Json.Write(console.OutWriter, InspectDocument.From(checkpoint, hashes), CliJsonContext.Readable.InspectDocument);

    private static string Cell(long value) => value.ToString(CultureInfo.InvariantCulture);
}
