using System.Globalization;
using Checkpoints;
using Checkpoints.Format;
using Checkpoints.Synthesis;
using Checkpoints.TorchSharp;
using Checkpoints.Units;
using LlamaForward;
using TorchSharp;
using static TorchSharp.torch;

// LlamaForward CHECKPOINT | --write DIR [--size 8MiB] [--dtype bf16|f32]
// Builds a Llama-shaped model from the checkpoint's shapes, loads its weights and runs a forward pass on a few tokens.
// --write first writes a synthetic checkpoint (deterministic weights) into DIR, which must not hold one yet.
const string Usage = "usage: LlamaForward CHECKPOINT | --write DIR [--size 8MiB] [--dtype bf16|f32]";

string? path = null;
var write = false;
var size = 8L << 20;
var dtype = DType.BF16;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--write" when i + 1 < args.Length && path is null:
            write = true;
            path = args[++i];
            break;
        case "--size" when i + 1 < args.Length && ByteSize.TryParse(args[i + 1], out var bytes):
            size = bytes;
            i++;
            break;
        case "--dtype" when i + 1 < args.Length && args[i + 1] is "bf16" or "f32":
            dtype = args[++i] == "bf16" ? DType.BF16 : DType.F32;
            break;
        case var argument when path is null && !argument.StartsWith("--", StringComparison.Ordinal):
            path = argument;
            break;
        default:
            Console.Error.WriteLine(Usage);
            return 2;
    }
}

if (path is null)
{
    Console.Error.WriteLine(Usage);
    return 2;
}

if (write)
{
    var files = SyntheticCheckpoint.Write(path, size, shardCount: 2, dtype);
    Console.WriteLine($"wrote {files.Count} files, {ByteSize.Format(files.Sum(static f => new FileInfo(f).Length))} of {dtype.Name()}, into {path}");
}

LlamaConfig config;
int tensorCount;
using (var checkpoint = Checkpoint.Open(path))
{
    config = LlamaConfig.FromCheckpoint(checkpoint);
    tensorCount = checkpoint.Tensors.Count;
}

Console.WriteLine($"checkpoint: {tensorCount} tensors; model: {config}");

using var scope = torch.NewDisposeScope();
using var model = new LlamaForCausalLM(config);
// Strict: every parameter of the model must come from the checkpoint and every tensor must find a parameter, so a
// name or shape the model gets wrong fails here rather than as a quiet forward pass over initial weights. BF16
// weights are converted into the Float32 parameters as they are copied.
var report = model.LoadCheckpoint(path, new CheckpointLoadOptions { Strict = true });
Console.WriteLine($"load: {report}");

model.eval();
using (torch.no_grad())
{
    long[][] prompts = [[1, 15, 27, 3, 42], [1, 7, 7, 100, 9]];
    var tokens = torch.tensor(prompts.SelectMany(static p => p).Select(t => t % config.Vocabulary).ToArray(), [prompts.Length, prompts[0].Length]);
    var logits = model.forward(tokens);
    var last = logits[0, -1].narrow(0, 0, 5).data<float>().ToArray();
    var finite = torch.isfinite(logits).all().item<bool>();
    Console.WriteLine($"logits: [{string.Join(", ", logits.shape)}] {logits.dtype}");
    Console.WriteLine($"logits[0, -1, :5]: {string.Join(", ", last.Select(static v => v.ToString("G6", CultureInfo.InvariantCulture)))}");
    Console.WriteLine($"next tokens: {string.Join(", ", logits[.., -1].argmax(-1).data<long>().ToArray())}");
    Console.WriteLine($"finite: {finite}");
    return finite ? 0 : 1;
}
