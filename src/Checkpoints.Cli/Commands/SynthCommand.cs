using System.CommandLine;
using System.Diagnostics;
using Checkpoints.Cli.Infrastructure;
using Checkpoints.Format;
using Checkpoints.Synthesis;
using Checkpoints.Units;
using Checkpoints.Writing;
using Spectre.Console;

namespace Checkpoints.Cli.Commands;

/// <summary><c>ckpt synth OUT</c>: writes a Llama-shaped checkpoint of deterministic pseudo-random weights.</summary>
internal static class SynthCommand
{
    public static Command Create(CliConsole console)
    {
        var output = CommonOptions.NonEmptyPath("out", "The directory to write the checkpoint into (created if needed).");
        var size = ByteSizeOption.Create("--size", "About how large the checkpoint should be.", 4L << 30);
        var shards = IntegerOption.Create("--shards", "How many shard files to split it into.", 4, 1, 99_999);
        var dtypeNames = string.Join(", ", PseudoRandomData.SupportedTypes.Select(static type => type.Name()));
        var dtype = new Option<DType>("--dtype")
        {
            Description = $"Element type of the weights, in safetensors spelling (any case): {dtypeNames}.",
            DefaultValueFactory = _ => DType.BF16,
            HelpName = "dtype",
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
                if (DTypes.TryParseUserName(text, out var parsed) && PseudoRandomData.SupportedTypes.Contains(parsed.Value))
                {
                    return parsed.Value;
                }

                result.AddError($"--dtype: '{text}' is not a dtype synth writes; use one of {dtypeNames}");
                return default;
            },
        };
        var seed = IntegerOption.Create("--seed", "Seed of the pseudo-random weights: the same seed gives the same bytes.",
            SyntheticCheckpoint.DefaultSeed, ulong.MinValue, ulong.MaxValue);
        var force = new Option<bool>("--force")
        {
            Description = "Replace the checkpoint OUT already holds (the new one is written beside it and swapped in whole).",
        };
        var command = new Command("synth", "Write a Llama-shaped synthetic checkpoint (embedding, attention, MLP, norms, head) of about the requested size.")
        {
            output, size, shards, dtype, seed, force,
        };
        command.SetAction((result, cancellationToken) => CommandErrors.RunAsync(console, token =>
        {
            var directory = result.GetRequiredValue(output);
            var plan = SynthesisPlan.Shards(result.GetValue(size).Bytes, result.GetValue(shards), result.GetValue(dtype), result.GetValue(seed));
            var stopwatch = Stopwatch.StartNew();
            var written = OutputDirectoryErrors.Translate(
                () => CheckpointWriter.WriteDirectory(directory, plan, SyntheticCheckpoint.Metadata, result.GetValue(force), token),
                directory, "choose a smaller --size or another directory");
            var bytes = written.Sum(static path => new FileInfo(path).Length);
            foreach (var path in written)
            {
                console.Out.MarkupLineInterpolated($"wrote {path} ({ByteSize.Format(new FileInfo(path).Length)})");
            }

            console.Out.MarkupLineInterpolated(
                $"{ByteSize.Format(bytes)} in {stopwatch.Elapsed.TotalSeconds:0.0} s ({ByteSize.FormatRate(bytes / stopwatch.Elapsed.TotalSeconds)})");
            return Task.FromResult(ExitCodes.Success);
        }, cancellationToken));
        return command;
    }
}
