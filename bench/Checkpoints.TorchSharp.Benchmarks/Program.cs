using System.Diagnostics;
using System.Text.Json;
using Checkpoints;
using Checkpoints.Loading.Planning;
using Checkpoints.TorchSharp;
using Checkpoints.TorchSharp.Benchmarks;
using LlamaForward;
using TorchSharp;
using TorchSharp.PyBridge;

// torchsharp-bench --loader checkpoints|pybridge CHECKPOINT [--threads N]
// Builds the Llama-shaped module the checkpoint describes with BF16 parameters, loads the checkpoint into it with one
// loader (strict: every parameter and every tensor), and prints one JSON line: the load's wall time, the process's
// memory before and during the load, and a digest of every parameter's bytes (both loaders must leave the same).
// --threads sets the library's read threads (LoadOptions.Threads) for Checkpoints.TorchSharp.
const string Usage = "usage: torchsharp-bench --loader checkpoints|pybridge CHECKPOINT [--threads N]";
var loadOptions = LoadOptions.FromEnvironment();
if (args is [.. var rest, "--threads", var threadsText] && int.TryParse(threadsText, out var threads) && threads is > 0 and <= LoadOptions.MaxThreads)
{
    loadOptions = loadOptions with { Threads = threads };
    args = rest;
}

if (args is not ["--loader", var loader and ("checkpoints" or "pybridge"), var path])
{
    Console.Error.WriteLine(Usage);
    return 2;
}

LlamaConfig config;
using (var checkpoint = Checkpoint.Open(path))
{
    config = LlamaConfig.FromCheckpoint(checkpoint);
}

// The module is built in the checkpoint's type, so both loaders copy bytes as they are (PyBridge converts nothing).
torch.set_default_dtype(torch.bfloat16);
var construct = Stopwatch.StartNew();
using var model = new LlamaForCausalLM(config);
construct.Stop();
var beforeLoad = ProcessMemory.Read();
ProcessMemory.ResetPeak();

var load = Stopwatch.StartNew();
string? plan = null;
long? windowBytes = null;
try
{
    if (loader == "checkpoints")
    {
        var report = model.LoadCheckpoint(path, new CheckpointLoadOptions { Strict = true, Load = loadOptions });
        (plan, windowBytes) = (report.Plan.Summary, report.Plan.WindowBytes);
    }
    else
    {
        model.load_checkpoint(path, strict: true, useTqdm: false);
    }
}
catch (Exception e) when (e is IOException or InvalidOperationException or CheckpointLoadException or UnauthorizedAccessException)
{
    // One line for the runner's log: which loader failed on what, not a stack trace.
    Console.Error.WriteLine($"torchsharp-bench: {loader} failed to load {path}: {e.Message}");
    return 1;
}

load.Stop();
var duringLoad = ProcessMemory.Read();
var (digest, parameterBytes) = ParameterDigest.Of(model);

var result = new BenchmarkRun(
    loader,
    path,
    load.Elapsed.TotalSeconds,
    construct.Elapsed.TotalSeconds,
    parameterBytes,
    digest,
    beforeLoad.ResidentBytes,
    duringLoad.PeakResidentBytes,
    windowBytes,
    plan,
    Environment.ProcessorCount);
Console.WriteLine(JsonSerializer.Serialize(result, BenchmarkJsonContext.Default.BenchmarkRun));
return 0;
