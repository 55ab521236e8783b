using System.Diagnostics;
using System.Globalization;
using Checkpoints;
using Checkpoints.Files;
using Checkpoints.Format;
using Checkpoints.Loading.Access;
using Checkpoints.Loading.Planning;
using Checkpoints.Loading.Reading;
using Checkpoints.Loading.Session;
using Checkpoints.Storage.Cache;
using Checkpoints.Storage.Facts;
using Checkpoints.Storage.FileSystems;
using Checkpoints.Storage.Memory;

// Checkpoint.PlanLoad and Checkpoint.Open of a checkpoint, timed inside the process: the first call (what a short
// command pays, compilation included) and the median of the calls after it (steady state).
//
//   Checkpoints.Startup PATH [--iterations 50] [--stages]
//
// --stages also times each step of an open (the rooms CheckpointOpener calls, in its order), first and steady, to see
// where the time goes. One line of JSON-like text per measurement on standard output.
if (args.Length == 0 || args[0].StartsWith('-'))
{
    Console.Error.WriteLine("usage: Checkpoints.Startup PATH [--iterations N] [--stages]");
    return 2;
}

var path = args[0];
var iterations = args.SkipWhile(static arg => arg != "--iterations").Skip(1).Select(static value => int.Parse(value, CultureInfo.InvariantCulture)).FirstOrDefault(50);
var stages = args.Contains("--stages");
var options = new LoadOptions { Strategy = LoadStrategy.Lazy };

if (stages)
{
    // Before any public call, so the first round pays every stage's compilation and first system calls.
    Report("stages-first", Stages(path, options));
}

var firstPlan = Time(() => Checkpoint.PlanLoad(path, options));
var firstOpen = Time(() => Checkpoint.Open(path, options).Dispose());
var plans = Enumerable.Range(0, iterations).Select(_ => Time(() => Checkpoint.PlanLoad(path, options))).ToArray();
var opens = Enumerable.Range(0, iterations).Select(_ => Time(() => Checkpoint.Open(path, options).Dispose())).ToArray();
Console.WriteLine(FormattableString.Invariant(
    $"planLoad first {firstPlan:F2} ms, steady {Median(plans):F2} ms; open first {firstOpen:F2} ms, steady {Median(opens):F2} ms (medians of {iterations})"));

if (stages)
{
    var rounds = Enumerable.Range(0, iterations).Select(_ => Stages(path, options)).ToArray();
    Report("stages-steady", rounds[0].Keys.ToDictionary(static key => key, key => Median([.. rounds.Select(round => round[key])])));
}

return 0;

static double Time(Action action)
{
    var started = Stopwatch.GetTimestamp();
    action();
    return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
}

static double Median(double[] values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length == 0 ? double.NaN : (sorted[(sorted.Length - 1) / 2] + sorted[sorted.Length / 2]) / 2;
}

static void Report(string label, IReadOnlyDictionary<string, double> times) =>
    Console.WriteLine($"{label}: " + string.Join(", ", times.Select(static pair => FormattableString.Invariant($"{pair.Key} {pair.Value:F2} ms"))));

// The steps of CheckpointOpener.Open and StorageProbe.Probe, one by one (kept in step with them by hand: a profile, not
// a second implementation to rely on).
static Dictionary<string, double> Stages(string path, LoadOptions options)
{
    var times = new Dictionary<string, double>(StringComparer.Ordinal);
    CheckpointLayout layout = null!;
    times["layout"] = Time(() => layout = CheckpointLayout.Discover(path));
    ReadPool pool = null!;
    times["readPool"] = Time(() => pool = new ReadPool(options.Threads));
    OpenedShard[] opened = [];
    times["headers"] = Time(() => opened = ShardOpening.ReadAll(layout.ShardPaths, pool, options.ReadTimeout, residency: null, CancellationToken.None));
    pool.Dispose();
    times["catalog"] = Time(() => CheckpointCatalog.Build(layout.ShardPaths, layout.Index, [.. opened.Select(static shard => shard.Header)]));
    var probeOptions = StorageProbeOptions.FromEnvironment(options.NetworkFileSystems);
    IReadOnlyList<FileSystemFacts> fileSystems = [];
    times["fileSystems"] = Time(() => fileSystems = new FileSystemProbe("/proc/self/mountinfo", new FileSystemClassifier(probeOptions.AdditionalNetworkFileSystems))
        .Probe(layout.ShardPaths));
    FileResidency[] residencies = [];
    var pageCache = new PageCache("/proc");
    times["residency"] = Time(() => residencies = PerFileProbe.Run(layout.ShardPaths, file => pageCache.GetResidency(file), CancellationToken.None));
    MemoryFacts memory = null!;
    times["memory"] = Time(() => memory = new MemoryProbe("/proc").Probe());
    var facts = new StorageFacts([.. fileSystems.Zip(residencies, static (fileSystem, residency) => new StorageFileFacts(fileSystem, residency))], memory)
    {
        CanPopulateMaps = MapPopulate.IsSupported,
    };
    times["plan"] = Time(() => LoadPlanner.Plan(facts, options, ReadAccessMemory.Bytes));
    return times;
}
