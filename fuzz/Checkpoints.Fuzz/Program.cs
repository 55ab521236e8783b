using Checkpoints;
using Checkpoints.Format;
using Checkpoints.Fuzz;
using SharpFuzz;

// Under afl-fuzz (fuzz/run.sh):   Checkpoints.Fuzz [memory|file|index]
// Replay one input:               Checkpoints.Fuzz [memory|file|index] < input
// Anything but success or CheckpointFormatException escapes the target: afl-fuzz records the input as a crash, and a
// replay ends with the exception's stack trace.
var mode = args.Length > 0 ? args[0] : "memory";
Func<Stream, int> target = mode switch
{
    "memory" => FuzzTargets.InMemory,
    "file" => FuzzTargets.ThroughFile,
    "index" => FuzzTargets.ThroughIndex,
    _ => throw new ArgumentException($"Unknown mode '{mode}': use 'memory' (header parser on the input bytes), 'file' (Checkpoint.Open on a temporary file) or 'index' (Checkpoint.Open on a temporary shard index)."),
};

// Outside afl-fuzz, Fuzzer.Run runs the target once on standard input (the instrumented library needs it to set up its
// coverage map either way), so say what happened.
var replay = Environment.GetEnvironmentVariable("__AFL_SHM_ID") is null;
Fuzzer.Run(stream =>
{
    try
    {
        var tensors = target(stream);
        if (replay)
        {
            Console.WriteLine($"accepted: {tensors} tensors");
        }
    }
    catch (CheckpointFormatException exception)
    {
        // The one expected failure: the input is not a valid safetensors file.
        if (replay)
        {
            Console.WriteLine($"rejected ({exception.Rule}): {exception.Message}");
        }
    }
});
