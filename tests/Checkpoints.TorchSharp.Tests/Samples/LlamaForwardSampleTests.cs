using System.Globalization;
using System.Reflection;
using Checkpoints.Tests.TestSupport;
using Checkpoints.TorchSharp.Tests.TestSupport;

namespace Checkpoints.TorchSharp.Tests.Samples;

/// <summary>
/// samples/LlamaForward, built and run as a user would (dotnet run), on a synthetic BF16 checkpoint it writes itself:
/// every tensor loads into the model it builds, and the forward pass gives finite logits of the checkpoint's vocabulary.
/// About 20 s once the sample's output holds libtorch, a minute more for the first build that copies it.
/// </summary>
public sealed class LlamaForwardSampleTests
{
    [Fact]
    public async Task LlamaForwardSample_WritesLoadsAndRunsASyntheticCheckpoint()
    {
        var root = Repository.Root;
        using var temp = new TempCheckpoint();   // an empty temporary folder
        var directory = Path.Combine(temp.Folder, "llama");

        // The sample's references are built already, in this configuration (this test project references them): not
        // building them again keeps this build from racing other test projects that build the library at the same time.
        var configuration = typeof(LlamaForwardSampleTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        var (exitCode, output) = await Repository.Dotnet(root, "run", "--project", Path.Combine("samples", "LlamaForward"),
            "-c", configuration, "-p:BuildProjectReferences=false", "--", "--write", directory, "--size", "4MiB");

        Assert.True(exitCode == 0, $"the sample did not build or run:\n{output}");
        // What the checkpoint holds, read here rather than taken from the sample's output.
        int tensors;
        long vocabulary;
        using (var checkpoint = Checkpoint.Open(directory))
        {
            tensors = checkpoint.Tensors.Count;
            vocabulary = checkpoint["lm_head.weight"].Shape[0];
        }

        Assert.Contains($"load: {tensors} loaded, 0 missing, 0 unexpected, 0 skipped, {tensors} converted;", output, StringComparison.Ordinal);
        Assert.Contains($"logits: [2, 5, {vocabulary}] Float32", output, StringComparison.Ordinal);
        Assert.Contains("finite: True", output, StringComparison.Ordinal);
        var values = Line(output, "logits[0, -1, :5]: ").Split(", ").Select(static v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(5, values.Length);
        Assert.All(values, static v => Assert.True(float.IsFinite(v)));
        Assert.Contains(values, static v => v != 0);
    }

    private static string Line(string output, string prefix) =>
        output.Split('\n').Select(static line => line.TrimEnd('\r')).FirstOrDefault(line => line.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..]
        ?? throw new InvalidOperationException($"no line starting '{prefix}' in:\n{output}");
}
