using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Checkpoints.Cli.Infrastructure;
using Checkpoints.Format;
using Checkpoints.Loading.Planning;
using Checkpoints.Synthesis;
using Checkpoints.Units;
using Checkpoints.Writing;
using Spectre.Console;

namespace Checkpoints.Cli.Commands;

/// <summary>
/// <c>ckpt demo</c>: the whole job on a built-in default. Writes a small sharded checkpoint to a temporary
/// folder, opens it, reads every tensor, says what it did, and removes the folder.
/// </summary>
internal static class DemoCommand
{
    public static Command Create(CliConsole console)
    {
        var size = ByteSizeOption.Create("--size", "Size of the synthetic checkpoint.", 64L << 20);
        var keep = new Option<bool>("--keep") { Description = "Keep the checkpoint folder instead of removing it." };
        var command = new Command("demo", "Write a small sharded checkpoint to a temporary folder, load every tensor, report, and clean up.")
        {
            size, keep,
        };
        command.SetAction((result, cancellationToken) => CommandErrors.RunAsync(console,
            token => Task.FromResult(Run(console, result.GetValue(size).Bytes, result.GetValue(keep), token)), cancellationToken));
        return command;
    }

    private static int Run(CliConsole console, long size, bool keep, CancellationToken cancellationToken)
    {
        var @out = console.Out;
        var plan = SynthesisPlan.Shards(size, shardCount: 4, DType.BF16, SyntheticCheckpoint.DefaultSeed);
        var temporary = Path.GetTempPath();
        if (!Directory.Exists(temporary))
        {
            // The runtime would say "Unable to find the specified file", naming neither the folder nor TMPDIR.
            var what = Path.Exists(Path.TrimEndingDirectorySeparator(temporary)) ? "is not a folder" : "does not exist";
            throw new IOException($"{temporary}: the temporary folder (TMPDIR) {what}: set TMPDIR to a writable folder");
        }

        // Written staged beside its name and moved in whole: a write that fails or is cancelled leaves nothing behind.
        var folder = new DirectoryInfo(Path.Combine(temporary, $"ckpt-demo-{Guid.NewGuid():N}"[..22]));
        var stopwatch = Stopwatch.StartNew();
        var files = OutputDirectoryErrors.Translate(
            () => CheckpointWriter.WriteDirectory(folder.FullName, plan, SyntheticCheckpoint.Metadata, cancellationToken: cancellationToken),
            temporary, "choose a smaller --size, or set TMPDIR to a directory with room");
        var completed = false;
        try
        {
            @out.MarkupLineInterpolated($"[bold]1. write[/]  a Llama-shaped bf16 checkpoint, {files.Count - 1} shards + index, in {folder.FullName} ({Seconds(stopwatch)})");

            stopwatch.Restart();
            using var checkpoint = Checkpoint.Open(folder.FullName, new LoadOptions(), cancellationToken: cancellationToken);
            @out.MarkupLineInterpolated(
                $"[bold]2. open[/]   {checkpoint.Tensors.Count} tensors in {checkpoint.Shards.Count} shards, {ByteSize.Format(checkpoint.TotalTensorBytes)} of data; only the headers were read ({Seconds(stopwatch)})");
            foreach (var warning in checkpoint.Warnings)
            {
                @out.MarkupLineInterpolated($"   [yellow]warning:[/] {warning}");
            }

            // The plan the auto strategy made from the storage facts (a temp folder is local, so: map lazily).
            foreach (var line in FlagTerms.Translate(checkpoint.Plan.ToString()).TrimEnd().Split('\n'))
            {
                @out.MarkupLineInterpolated($"         {line}");
            }

            stopwatch.Restart();
            var (digest, bytes) = ContentDigest.Compute(checkpoint, cancellationToken: cancellationToken);
            var elapsed = stopwatch.Elapsed.TotalSeconds;
            @out.MarkupLineInterpolated(
                $"[bold]3. read[/]   every byte of every tensor as planned: {ByteSize.Format(bytes)} in {elapsed:0.000} s ({ByteSize.FormatRate(bytes / Math.Max(elapsed, 1e-9))}), XXH3 digest {digest:x16}");

            var sample = checkpoint.Tensors[0];
            var values = sample.ToSingleArray().Take(4).Select(value => value.ToString("0.#####", CultureInfo.InvariantCulture));
            @out.MarkupLineInterpolated($"[bold]4. use[/]    {sample} begins [[{string.Join(", ", values)}, ...]] as float");
            completed = true;
            return ExitCodes.Success;
        }
        finally
        {
            // Kept only when the demo ran through: an interrupted one is cleaned up, as the user did not ask to keep it.
            if (keep && completed)
            {
                @out.MarkupLineInterpolated($"[bold]5. keep[/]   {folder.FullName}");
            }
            else
            {
                folder.Delete(recursive: true);
                @out.MarkupLineInterpolated($"[bold]5. clean[/]  removed {folder.FullName}");
            }
        }
    }

    private static string Seconds(Stopwatch stopwatch) =>
        string.Create(CultureInfo.InvariantCulture, $"{stopwatch.Elapsed.TotalSeconds:0.000} s");
}
