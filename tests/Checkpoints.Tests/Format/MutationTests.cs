using System.Text;
using Checkpoints.Format;
using Checkpoints.Synthesis;
using Checkpoints.Verification;
using Xunit.Abstractions;

namespace Checkpoints.Tests.Format;

/// <summary>
/// Opens thousands of deterministically damaged copies of valid files. The contract under test: opening ends in
/// success or <see cref="CheckpointFormatException"/>, never another exception or a hang; an opened checkpoint's
/// every byte is readable; the verifier never throws and calls a file invalid exactly when opening failed.
/// </summary>
public sealed class MutationTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>Cases per seed file; with <see cref="MutationSeeds.All"/> this makes a few thousand cases.</summary>
    private const int CasesPerSeed = 600;

    /// <summary>Cases for the shard index, which is read with JsonDocument rather than the header reader.</summary>
    private const int IndexCases = 600;

    /// <summary>Failures listed in full before the rest are only counted.</summary>
    private const int FailuresShown = 10;

    private readonly string _directory = Directory.CreateTempSubdirectory("ckpt-mutation-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Open_SucceedsOrThrowsFormatException_ForMutatedFiles()
    {
        var seeds = MutationSeeds.All(_directory);
        var path = Path.Combine(_directory, "case.safetensors");
        var current = new MutationCase[1];
        var failures = new List<string>();
        var outcomes = new int[2];
        var rules = new Dictionary<string, int>();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var run = Task.Run(() =>
        {
            for (var s = 0; s < seeds.Count; s++)
            {
                for (var i = 0; i < CasesPerSeed; i++)
                {
                    // Each case has its own seed, so any one reproduces alone: see Case().
                    var mutation = Case(seeds[s], caseSeed: (s * 100_000) + i);
                    Volatile.Write(ref current[0], mutation);
                    var outcome = MutationOracle.Check(path, mutation.Bytes, expectedFile: path);
                    if (outcome.Failure is { } failure)
                    {
                        failures.Add($"{mutation}\n  {failure}");
                    }
                    else
                    {
                        outcomes[outcome.Opened ? 1 : 0]++;
                        var key = outcome.Rule?.ToString() ?? "opened";
                        rules[key] = rules.GetValueOrDefault(key) + 1;
                    }
                }
            }
        });

        // A hang is a failure too; name the case that hangs rather than let the test run forever.
        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromMinutes(3)));
        Assert.True(finished == run, $"Hung on {Volatile.Read(ref current[0])}");
        await run;
        output.WriteLine($"{seeds.Count * CasesPerSeed} cases in {clock.Elapsed.TotalSeconds:F1} s: " +
            string.Join(", ", rules.OrderByDescending(static pair => pair.Value).Select(static pair => $"{pair.Key} {pair.Value}")));

        Assert.True(failures.Count == 0,
            $"{failures.Count} of {seeds.Count * CasesPerSeed} mutated files broke the contract " +
            $"({outcomes[1]} opened, {outcomes[0]} rejected cleanly). Reproduce one with MutationTests.Case(seed, caseSeed):\n\n" +
            string.Join("\n\n", failures.Take(FailuresShown)));

        // The mix matters: mutations that all fail at the length prefix would test little.
        Assert.InRange(outcomes[1], seeds.Count * CasesPerSeed / 50, seeds.Count * CasesPerSeed);
    }

    [Fact]
    public async Task Open_SucceedsOrThrowsFormatException_ForMutatedIndexes()
    {
        // A sharded checkpoint whose shards stay intact while its index is damaged.
        var checkpoint = Path.Combine(_directory, "sharded");
        var written = global::Checkpoints.Writing.CheckpointWriter.WriteSharded(checkpoint,
            [.. Enumerable.Range(0, 6).Select(static i => global::Checkpoints.Writing.TensorToWrite.FromBytes($"layers.{i}.weight", DType.BF16, [2], new byte[4]))], maxShardBytes: 8);
        var indexPath = written[^1];
        var seed = new MutationSeed("index", File.ReadAllBytes(indexPath));
        var failures = new List<string>();
        var opened = 0;

        var run = Task.Run(() =>
        {
            for (var i = 0; i < IndexCases; i++)
            {
                var random = new Random(1_000_000 + i);
                var (bytes, step) = Mutator.ApplyToJsonFile(seed.Bytes, random);
                var mutation = new MutationCase(seed.Name, 1_000_000 + i, [step], bytes);
                var outcome = MutationOracle.Check(indexPath, bytes, expectedFile: null);
                if (outcome.Failure is { } failure)
                {
                    failures.Add($"{mutation}\n  {failure}");
                }
                else if (outcome.Opened)
                {
                    opened++;
                }
            }
        });

        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromMinutes(2)));
        Assert.True(finished == run, "Hung on a mutated index");
        await run;

        Assert.True(failures.Count == 0,
            $"{failures.Count} of {IndexCases} mutated indexes broke the contract ({opened} opened):\n\n" + string.Join("\n\n", failures.Take(FailuresShown)));
        output.WriteLine($"{IndexCases} mutated indexes: {opened} opened, the rest rejected cleanly");
    }

    /// <summary>The mutated file of one case, the same on every run.</summary>
    internal static MutationCase Case(MutationSeed seed, int caseSeed)
    {
        var random = new Random(caseSeed);
        var bytes = seed.Bytes;
        var steps = new List<string>();

        // Mostly one mutation, sometimes a few stacked, as a fuzzer's havoc stage does.
        var count = random.Next(10) switch { < 6 => 1, < 9 => 2, _ => 3 };
        for (var i = 0; i < count; i++)
        {
            (bytes, var step) = Mutator.Apply(bytes, random);
            steps.Add(step);
        }

        return new MutationCase(seed.Name, caseSeed, steps, bytes);
    }

    [Fact]
    public void Seeds_AreValidCheckpoints()
    {
        // The mutations start from valid files; were a seed invalid, half the cases would test nothing.
        var path = Path.Combine(_directory, "seed.safetensors");
        foreach (var seed in MutationSeeds.All(_directory))
        {
            var outcome = MutationOracle.Check(path, seed.Bytes, expectedFile: path);
            Assert.True(outcome.Opened && outcome.Failure is null, $"seed {seed.Name}: {outcome.Failure ?? "rejected"}");
        }
    }
}

internal sealed record MutationCase(string SeedName, int CaseSeed, IReadOnlyList<string> Steps, byte[] Bytes)
{
    public override string ToString()
    {
        var shown = Bytes.Length <= 2048 ? Convert.ToBase64String(Bytes) : $"({Bytes.Length} bytes, not shown)";
        return $"seed '{SeedName}', case {CaseSeed}: {string.Join(" then ", Steps)}\n  file (base64): {shown}";
    }
}

/// <summary>Judges one file against the contract; returns why it broke it, or null.</summary>
internal static class MutationOracle
{
    public readonly record struct Outcome(bool Opened, string? Failure, FormatRule? Rule = null);

    /// <summary>
    /// Writes <paramref name="bytes"/> to <paramref name="path"/> and opens it. Errors must name
    /// <paramref name="expectedFile"/>, or when it is null any file beside <paramref name="path"/> (an index's shards).
    /// </summary>
    public static Outcome Check(string path, byte[] bytes, string? expectedFile)
    {
        File.WriteAllBytes(path, bytes);
        bool opened;
        FormatRule? rule = null;
        Checkpoint? checkpoint = null;
        try
        {
            checkpoint = Checkpoint.Open(path);
            opened = true;
        }
        catch (CheckpointFormatException exception)
        {
            opened = false;
            rule = exception.Rule;
            if (ExplainBadError(exception, path, expectedFile) is { } bad)
            {
                return new(false, bad);
            }
        }
        catch (Exception exception)
        {
            return new(false, $"Checkpoint.Open threw {exception}");
        }

        if (checkpoint is not null)
        {
            using (checkpoint)
            {
                try
                {
                    ReadEverything(checkpoint);
                }
                catch (Exception exception)
                {
                    return new(true, $"Checkpoint.Open succeeded but reading the tensors threw {exception}");
                }
            }
        }

        try
        {
            var report = CheckpointVerifier.Verify(path);
            if (report.IsValid != opened)
            {
                return new(opened, $"Checkpoint.Open {(opened ? "succeeded" : "failed")} but the verifier says the file is {(report.IsValid ? "valid" : "invalid")}: " +
                    string.Join("; ", report.Errors.Select(static error => error.Message)));
            }

            foreach (var error in report.Errors)
            {
                if (error is not CheckpointFormatException formatError)
                {
                    return new(opened, $"the verifier reported an error that is not a CheckpointFormatException: {error}");
                }

                if (ExplainBadError(formatError, path, expectedFile) is { } bad)
                {
                    return new(opened, $"verifier: {bad}");
                }
            }
        }
        catch (Exception exception)
        {
            return new(opened, $"CheckpointVerifier.Verify threw {exception}");
        }

        return new(opened, null, rule);
    }

    private static string? ExplainBadError(CheckpointFormatException exception, string path, string? expectedFile)
    {
        if (string.IsNullOrWhiteSpace(exception.Message) || string.IsNullOrWhiteSpace(exception.Detail))
        {
            return $"a {exception.Rule} error has an empty message";
        }

        var named = expectedFile is null
            ? Path.GetDirectoryName(exception.FilePath) == Path.GetDirectoryName(path)
            : exception.FilePath == expectedFile;
        if (!named || !exception.Message.Contains(exception.FilePath, StringComparison.Ordinal))
        {
            return $"a {exception.Rule} error does not name the file ({exception.FilePath}): {exception.Message}";
        }

        var fileLength = File.Exists(exception.FilePath) ? new FileInfo(exception.FilePath).Length : 0;
        if (exception.ByteOffset is { } offset && (offset < 0 || offset > fileLength))
        {
            return $"a {exception.Rule} error points at byte {offset}, outside the {fileLength}-byte file: {exception.Message}";
        }

        return null;
    }

    private static void ReadEverything(Checkpoint checkpoint)
    {
        long total = 0;
        foreach (var tensor in checkpoint.Tensors)
        {
            Assert.Same(tensor, checkpoint[tensor.Name]);
            Assert.Equal(tensor.ElementCount, tensor.Shape.Aggregate(1L, static (a, b) => a * b));
            _ = tensor.ToString();

            // Every byte, through both accessors, and touched so a bad span faults here.
            var bytes = tensor.Bytes;
            var parts = tensor.GetBytes(0, (int)tensor.ByteLength);
            Assert.Equal(tensor.ByteLength, bytes.Length);
            Assert.True(bytes.SequenceEqual(parts));
            Assert.Equal(bytes.ToArray(), tensor.ToArray<byte>());
            if (tensor.ByteLength > 0)
            {
                _ = tensor.GetBytes(tensor.ByteLength - 1, 1)[0];
            }

            if (Checkpoints.Format.FloatConversion.CanConvert(tensor.DType))
            {
                Assert.Equal(tensor.ElementCount, tensor.ToSingleArray().Length);
            }

            total += tensor.ByteLength;
        }

        var (_, digested) = ContentDigest.Compute(checkpoint);
        Assert.Equal(total, digested);
        Assert.Equal(total, checkpoint.TotalTensorBytes);
    }
}
