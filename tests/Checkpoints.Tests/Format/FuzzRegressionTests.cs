using Checkpoints.Format;
using Checkpoints.Fuzz;


namespace Checkpoints.Tests.Format;

/// <summary>
/// Replays the inputs coverage-guided fuzzing found (fuzz/regression/MODE/, kept by fuzz/run.sh) through the same
/// targets the fuzzer ran: each must end in success or <see cref="CheckpointFormatException"/>, never in another
/// exception or a broken invariant. A change that reopens a path the fuzzer once explored is caught here, in seconds.
/// </summary>
public sealed class FuzzRegressionTests
{
    private static string Inputs(string mode) => Path.Combine(AppContext.BaseDirectory, "FuzzRegression", mode);

    public static TheoryData<string> MemoryInputs => [.. Directory.GetFiles(Inputs("memory")).Select(static path => Path.GetFileName(path)).Order(StringComparer.Ordinal)];

    [Fact]
    public void TheCorpusIsThere()
    {
        // Guards against the inputs silently not being copied beside the tests (the theories would then run nothing).
        Assert.True(Directory.GetFiles(Inputs("memory")).Length >= 100, $"expected the fuzzer's inputs in {Inputs("memory")}");
    }

    [Theory]
    [MemberData(nameof(MemoryInputs))]
    public void InMemory_AcceptsOrRejectsCleanly(string name)
    {
        using var input = File.OpenRead(Path.Combine(Inputs("memory"), name));

        AcceptsOrRejects(() => FuzzTargets.InMemory(input));
    }

    [Theory]
    [MemberData(nameof(MemoryInputs))]
    public void ThroughFile_AcceptsOrRejectsCleanly(string name)
    {
        using var input = File.OpenRead(Path.Combine(Inputs("memory"), name));

        AcceptsOrRejects(() => FuzzTargets.ThroughFile(input));
    }

    private static void AcceptsOrRejects(Func<int> target)
    {
        try
        {
            Assert.True(target() >= 0);
        }
        catch (CheckpointFormatException exception)
        {
            Assert.Contains("fuzz-", exception.Message, StringComparison.Ordinal);
        }
    }
}
