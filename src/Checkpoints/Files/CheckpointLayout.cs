using Checkpoints.Format;


namespace Checkpoints.Files;

/// <summary>
/// Which files make up a checkpoint, found from what the user points at: a single <c>.safetensors</c> file, a
/// <c>*.safetensors.index.json</c>, or a directory holding either. Only names and the index are read here.
/// </summary>
internal sealed class CheckpointLayout
{
    public const string StandardIndexName = "model.safetensors.index.json";
    private const string IndexSuffix = ".safetensors.index.json";
    private const string ShardPattern = "*.safetensors";

    private CheckpointLayout(string source, IReadOnlyList<string> shardPaths, ShardIndex? index)
    {
        Source = source;
        ShardPaths = shardPaths;
        Index = index;
    }

    /// <summary>The path the user gave.</summary>
    public string Source { get; }

    /// <summary>Full paths of the shards, in loading order.</summary>
    public IReadOnlyList<string> ShardPaths { get; }

    /// <summary>The index the shards came from, when there is one.</summary>
    public ShardIndex? Index { get; }

    /// <summary>
    /// The checkpoint <paramref name="path"/> names: a file, an index, a directory, or, when no such path exists, a
    /// model in the local Hugging Face hub cache named <c>org/name</c> or <c>org/name@revision</c>.
    /// </summary>
    public static CheckpointLayout Discover(string path) => Discover(path, HubCache.FromEnvironment);

    /// <summary>As <see cref="Discover(string)"/>, with the hub cache given (asked for only when the path does not exist).</summary>
    public static CheckpointLayout Discover(string path, Func<HubCache> hubCache)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        switch (FileKinds.Of(full))
        {
            case FileKind.Directory:
                return FromDirectory(path, full);
            case FileKind.Missing when FileKinds.IsSymbolicLink(full):
                throw new CheckpointFormatException(full, FormatRule.NotARegularFile,
                    $"is a symbolic link to {File.ResolveLinkTarget(full, returnFinalTarget: false)?.FullName}, which does not exist: the download or copy it points to is incomplete");
            case FileKind.Missing when HubModelName.TryParse(path, out var name):
                // Not a path here, but a hub name: the snapshot's files are links into the cache's blobs.
                return FromDirectory(path, hubCache().Resolve(name));
            case FileKind.Missing:
                throw new FileNotFoundException($"{path}: no such file or directory", full);
            case FileKind.Regular:
                break;
            case var other:
                throw NotRegular(full, other);
        }

        return full.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            ? FromIndex(path, full)
            : new CheckpointLayout(path, [full], index: null);
    }

    private static CheckpointLayout FromDirectory(string source, string directory)
    {
        // Entries, not files: a folder (or a link to one) under a shard's or an index's name is refused by name below,
        // where listing files only would pass over it in silence.
        var indexes = System.IO.Directory.EnumerateFileSystemEntries(directory, "*" + IndexSuffix)
            .Select(Path.GetFileName).OfType<string>().Order(NaturalOrder.Instance).ToArray();
        if (indexes.Contains(StandardIndexName, StringComparer.Ordinal))
        {
            return FromIndex(source, Path.Combine(directory, StandardIndexName));
        }

        if (indexes.Length == 1)
        {
            return FromIndex(source, Path.Combine(directory, indexes[0]));
        }

        if (indexes.Length > 1)
        {
            throw new CheckpointFormatException(directory, FormatRule.NoCheckpointFound,
                $"the directory holds several shard indexes ({string.Join(", ", indexes)}) and none is {StandardIndexName}: " +
                "open the one you mean by its path");
        }

        var shards = System.IO.Directory.EnumerateFileSystemEntries(directory, ShardPattern)
            .Order(NaturalOrder.Instance).ToArray();
        if (shards.Length == 0)
        {
            throw new CheckpointFormatException(directory, FormatRule.NoCheckpointFound, NothingFoundDetail(directory));
        }

        foreach (var shard in shards)
        {
            if (FileKinds.Of(shard) is not FileKind.Regular and var kind)
            {
                throw NotRegular(shard, kind);
            }
        }

        return new CheckpointLayout(source, shards, index: null);
    }

    private static CheckpointLayout FromIndex(string source, string indexPath)
    {
        if (FileKinds.Of(indexPath) is not FileKind.Regular and var indexKind)
        {
            throw NotRegular(indexPath, indexKind);
        }

        var index = ShardIndexReader.Read(indexPath);
        var directory = Path.GetDirectoryName(indexPath)!;
        var shards = new List<string>();
        foreach (var shardName in index.WeightMap.Values.Distinct(StringComparer.Ordinal).Order(NaturalOrder.Instance))
        {
            var shardPath = ResolveShard(index, directory, shardName);
            var kind = FileKinds.Of(shardPath);
            if (kind is not FileKind.Regular)
            {
                var tensor = index.WeightMap.First(pair => pair.Value == shardName).Key;
                throw kind is FileKind.Missing
                    ? new CheckpointFormatException(indexPath, FormatRule.ShardMissing,
                        $"shard '{shardName}' (holding '{tensor}' among others) does not exist in {directory}" +
                        (FileKinds.IsSymbolicLink(shardPath) ? " (a symbolic link to nothing)" : string.Empty) + ": the download is incomplete; fetch the missing file",
                        tensorName: tensor)
                    : new CheckpointFormatException(indexPath, FormatRule.NotARegularFile,
                        $"shard '{shardName}' (holding '{tensor}' among others) is {FileKinds.Describe(kind)} in {directory}, not a regular file: " +
                        "the index names the wrong path, or something else took the shard's name; put the shard file there",
                        tensorName: tensor);
            }

            // "a.safetensors" and "./a.safetensors" name one file: read it once.
            if (!shards.Contains(shardPath, StringComparer.Ordinal))
            {
                shards.Add(shardPath);
            }
        }

        return new CheckpointLayout(source, shards, index);
    }

    private static string ResolveShard(ShardIndex index, string directory, string shardName)
    {
        var segments = shardName.Split('/', '\\');
        if (Path.IsPathRooted(shardName) || segments.Contains(".."))
        {
            throw new CheckpointFormatException(index.Path, FormatRule.ShardPathOutsideDirectory,
                $"shard path '{shardName}' leaves the checkpoint's directory; an index may only name files beside it or below it");
        }

        string resolved;
        try
        {
            resolved = Path.GetFullPath(Path.Combine(directory, shardName));
        }
        catch (Exception exception) when (exception is ArgumentException or NotSupportedException or PathTooLongException)
        {
            // A NUL character, or on Windows a character no path may hold.
            throw new CheckpointFormatException(index.Path, FormatRule.IndexInvalid,
                $"shard path '{shardName.Replace("\0", "\\0", StringComparison.Ordinal)}' is not a valid file name (a NUL character, or one no path may hold): the index is damaged",
                innerException: exception);
        }

        var root = Path.TrimEndingDirectorySeparator(directory) + Path.DirectorySeparatorChar;
        if (!resolved.StartsWith(root, StringComparison.Ordinal))
        {
            throw new CheckpointFormatException(index.Path, FormatRule.ShardPathOutsideDirectory,
                $"shard path '{shardName}' resolves to {resolved}, outside the checkpoint's directory {directory}");
        }

        return resolved;
    }

    private static CheckpointFormatException NotRegular(string path, FileKind kind) => new(path, FormatRule.NotARegularFile,
        $"is {FileKinds.Describe(kind)}, not a regular file: only regular files are read as shards or indexes; point at the checkpoint's .safetensors files or their folder");

    private static string NothingFoundDetail(string directory)
    {
        var others = System.IO.Directory.EnumerateFiles(directory)
            .Select(Path.GetFileName).OfType<string>()
            .Where(name => name.EndsWith(".bin", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".pt", StringComparison.OrdinalIgnoreCase)
                || name.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
            .Take(3).ToArray();
        return others.Length > 0
            ? $"the directory holds no *.safetensors file, only other formats ({string.Join(", ", others)}): convert them to safetensors or download the safetensors release"
            : "the directory holds no *.safetensors file and no *.safetensors.index.json: point at the folder that has the model's weights";
    }
}
