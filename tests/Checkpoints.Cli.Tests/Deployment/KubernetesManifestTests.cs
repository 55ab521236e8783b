using System.CommandLine;
using Checkpoints.Cli.Infrastructure;
using YamlDotNet.RepresentationModel;
using static Checkpoints.Cli.Tests.Deployment.KubernetesManifests;

namespace Checkpoints.Cli.Tests.Deployment;

/// <summary>
/// The recipes under deploy/kubernetes hold together without a cluster: every document is a Kubernetes object with a
/// name, every container says its image and its memory (the recipes are about memory), every mount has its volume,
/// and every <c>ckpt</c> command line in them is one the built <c>ckpt</c> accepts. No cluster ran these manifests;
/// this is what can be checked without one. Each test reports every problem it finds, naming the file and container.
/// </summary>
public sealed class KubernetesManifestTests
{
    [Fact]
    public void TheFolderHoldsTheRecipes()
    {
        var kinds = All.Select(static document => Kind(document)).ToHashSet(StringComparer.Ordinal);

        Assert.Contains("Deployment", kinds);
        Assert.Contains("DaemonSet", kinds);
        Assert.Contains("PersistentVolumeClaim", kinds);
    }

    [Fact]
    public void EveryDocument_HasApiVersionKindAndName()
    {
        var problems = All
            .SelectMany(static document => new[] { "apiVersion", "kind", "metadata.name" }
                .Where(path => Scalar(document.Root, path.Split('.')) is null)
                .Select(path => $"{document.File} #{document.Number}: no {path}"))
            .ToList();

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void EveryContainer_HasAnImageAndAMemoryRequestAndLimit()
    {
        var problems = new List<string>();
        foreach (var container in AllContainers())
        {
            if (Scalar(container.Node, "image") is null)
            {
                problems.Add($"{container}: no image");
            }

            foreach (var bound in new[] { "requests", "limits" })
            {
                if (Scalar(container.Node, "resources", bound, "memory") is null)
                {
                    problems.Add($"{container}: no resources.{bound}.memory");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void EveryVolumeMount_NamesAVolumeOfItsPod()
    {
        var problems = new List<string>();
        foreach (var document in All)
        {
            if (PodSpec(document) is not { } spec)
            {
                continue;
            }

            var volumes = (Get(spec, "volumes") as YamlSequenceNode)?.Children.Select(static volume => Scalar(volume, "name")).ToHashSet(StringComparer.Ordinal) ?? [];
            foreach (var container in Containers(document, spec))
            {
                var mounts = (Get(container.Node, "volumeMounts") as YamlSequenceNode)?.Children ?? [];
                problems.AddRange(mounts.Select(static mount => Scalar(mount, "name") ?? "(no name)")
                    .Where(name => !volumes.Contains(name))
                    .Select(name => $"{container}: mounts '{name}', which is not among the pod's volumes ({string.Join(", ", volumes)})"));
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task EveryCkptCommandLine_UsesOnlyCommandsAndOptionsTheHelpLists()
    {
        var help = await CkptHelp.ReadAsync();
        var problems = new List<string>();
        foreach (var (container, words) in CommandLines())
        {
            problems.AddRange((await help.ProblemsAsync(words)).Select(problem => $"{container}: ckpt {string.Join(' ', words)}: {problem}"));
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void EveryCkptCommandLine_ParsesWithoutErrors()
    {
        // The real parser, values and all (a --budget of 900% or a --threads of 0 would be caught here, not by the help).
        var problems = new List<string>();
        foreach (var (container, words) in CommandLines())
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            var result = CkptApp.Build(CliConsole.ForWriters(output, error)).Parse([.. words], new ParserConfiguration { ResponseFileTokenReplacer = null });
            problems.AddRange(result.Errors.Select(parseError => $"{container}: ckpt {string.Join(' ', words)}: {parseError.Message}"));
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void TheRecipesRunCkpt_InAnInitContainerAndInAScript()
    {
        // So that the checks of command lines above cannot pass by finding none.
        var lines = CommandLines().ToList();

        Assert.Contains(lines, static line => line.Container.List == "initContainers" && line.Words[0] == "prefetch");
        Assert.Contains(lines, static line => Kind(line.Container.Document) == "DaemonSet" && line.Words[0] == "prefetch");
    }

    [Fact]
    public async Task TheChecks_FindAnUnknownOptionAndAnUnknownCommand()
    {
        var help = await CkptHelp.ReadAsync();
        var script = "set -u\nckpt prefetch \"$MODEL\" --budget 90% --warp-speed & wait $! || exit $?\nckpt teleport \"$MODEL\" -- vllm serve --port 8000";

        var problems = new List<string>();
        foreach (var words in CkptCommandLines.InScript(script))
        {
            problems.AddRange(await help.ProblemsAsync(words));
        }

        Assert.Equal(2, problems.Count);
        Assert.Equal("--warp-speed is not an option of ckpt prefetch --help", problems[0]);
        Assert.StartsWith("'teleport' is no command of ckpt --help", problems[1], StringComparison.Ordinal);
    }

    [Fact]
    public void ShellWords_SplitsCommandsAtOperatorsAndRemovesQuotes()
    {
        var commands = ShellWords.Commands("a \"$X y\" 'z' # comment\nb --c=1 && d\\\n e; f & wait $! || g");

        Assert.Equal(
            [["a", "$X y", "z"], ["b", "--c=1"], ["d", "e"], ["f"], ["wait", "$!"], ["g"]],
            commands.Select(static command => command.ToArray()).ToArray());
    }

    private static IEnumerable<Container> AllContainers() =>
        All.Select(static document => (document, spec: PodSpec(document)))
            .Where(static pair => pair.spec is not null)
            .SelectMany(static pair => Containers(pair.document, pair.spec!));

    private static IEnumerable<(Container Container, IReadOnlyList<string> Words)> CommandLines() =>
        AllContainers().SelectMany(static container => CkptCommandLines.Of(container).Select(words => (container, words)));
}
