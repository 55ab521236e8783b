using Checkpoints.Tests.TestSupport;
using YamlDotNet.RepresentationModel;

namespace Checkpoints.Cli.Tests.Deployment;

/// <summary>
/// Every YAML document under deploy/kubernetes, parsed with YamlDotNet, and the parts of them the checks look at:
/// pod specs (of a Pod or inside a workload's template) and their containers.
/// </summary>
internal static class KubernetesManifests
{
    public static string Folder { get; } = Path.Combine(Repository.Root, "deploy", "kubernetes");

    /// <summary>Every document of every file, in file order; a file that is not YAML fails here, naming it.</summary>
    public static IReadOnlyList<Document> All { get; } = Load();

    /// <summary>The pod spec of <paramref name="document"/>, or null when it describes no pods (a volume, a claim).</summary>
    public static YamlMappingNode? PodSpec(Document document) => Kind(document) switch
    {
        "Pod" => Mapping(document.Root, "spec"),
        "CronJob" => Mapping(document.Root, "spec", "jobTemplate", "spec", "template", "spec"),
        _ => Mapping(document.Root, "spec", "template", "spec"),
    };

    /// <summary>The init containers and containers of a pod spec.</summary>
    public static IEnumerable<Container> Containers(Document document, YamlMappingNode podSpec) =>
        from list in new[] { "initContainers", "containers" }
        let sequence = Get(podSpec, list) as YamlSequenceNode
        where sequence is not null
        from node in sequence.Children.OfType<YamlMappingNode>()
        select new Container(document, list, Scalar(node, "name") ?? "(no name)", node);

    public static string? Kind(Document document) => Scalar(document.Root, "kind");

    /// <summary>The node at <paramref name="path"/> below <paramref name="node"/>, or null.</summary>
    public static YamlNode? Get(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode mapping || !mapping.Children.TryGetValue(new YamlScalarNode(key), out var child))
            {
                return null;
            }

            node = child;
        }

        return node;
    }

    public static YamlMappingNode? Mapping(YamlNode node, params string[] path) => Get(node, path) as YamlMappingNode;

    /// <summary>The non-empty scalar at <paramref name="path"/>, or null.</summary>
    public static string? Scalar(YamlNode node, params string[] path) =>
        Get(node, path) is YamlScalarNode { Value: { Length: > 0 } value } ? value : null;

    /// <summary>The scalars of the sequence at <paramref name="key"/>, or none.</summary>
    public static IEnumerable<string> Strings(YamlNode node, string key) =>
        Get(node, key) is YamlSequenceNode sequence ? sequence.Children.OfType<YamlScalarNode>().Select(static scalar => scalar.Value ?? string.Empty) : [];

    private static List<Document> Load()
    {
        var documents = new List<Document>();
        foreach (var file in Directory.GetFiles(Folder, "*.yaml").Concat(Directory.GetFiles(Folder, "*.yml")).Order(StringComparer.Ordinal))
        {
            var stream = new YamlStream();
            try
            {
                using var reader = new StreamReader(file);
                stream.Load(reader);
            }
            catch (YamlDotNet.Core.YamlException exception)
            {
                throw new InvalidOperationException($"{Path.GetFileName(file)} is not valid YAML: {exception.Message}", exception);
            }

            for (var index = 0; index < stream.Documents.Count; index++)
            {
                if (stream.Documents[index].RootNode is not YamlMappingNode root)
                {
                    throw new InvalidOperationException($"{Path.GetFileName(file)}, document {index + 1}: not a mapping");
                }

                documents.Add(new Document(Path.GetFileName(file), index + 1, root));
            }
        }

        return documents;
    }

    /// <summary>One YAML document: its file, its place in the file (from 1) and its root.</summary>
    internal sealed record Document(string File, int Number, YamlMappingNode Root)
    {
        public override string ToString() => $"{File} #{Number} ({Scalar(Root, "kind")} {Scalar(Root, "metadata", "name")})";
    }

    /// <summary>A container of a pod spec, from its list (initContainers or containers).</summary>
    internal sealed record Container(Document Document, string List, string Name, YamlMappingNode Node)
    {
        public override string ToString() => $"{Document}, {List} {Name}";
    }
}
