using Checkpoints.Files;


namespace Checkpoints.Writing;

/// <summary>
/// What a directory a checkpoint is about to be written into holds, decided from its entries' names: nothing, a
/// checkpoint (safetensors files, indexes, and the hidden partial files of an interrupted writer), or anything else.
/// </summary>
internal sealed record OutputDirectory(string Path, OutputDirectory.Contents Holds, IReadOnlyList<string> Foreign)
{
    public enum Contents
    {
        Missing,
        Empty,
        Checkpoint,
        Other,
    }

    /// <summary>Looks at <paramref name="path"/> (a full path) without following into subdirectories.</summary>
    public static OutputDirectory Inspect(string path)
    {
        if (FileKinds.IsSymbolicLink(path) && FileKinds.Of(path) == FileKind.Missing)
        {
            throw new IOException($"{path}: is a symbolic link to {File.ResolveLinkTarget(path, returnFinalTarget: false)?.FullName}, which does not exist (or a loop of links): create the directory it points to, or choose another path");
        }

        if (File.Exists(path))
        {
            throw new IOException($"{path}: is a file, not a directory: choose a new or empty directory to write the checkpoint into");
        }

        if (!Directory.Exists(path))
        {
            return new OutputDirectory(path, Contents.Missing, []);
        }

        var entries = new DirectoryInfo(path).EnumerateFileSystemInfos().ToList();
        // A subdirectory is never a checkpoint's: even one named *.safetensors may hold someone's files.
        var foreign = entries.Where(static entry => entry is DirectoryInfo || !IsCheckpointFile(entry.Name))
            .Select(static entry => entry.Name).Order(StringComparer.Ordinal).ToList();
        var holds = entries.Count == 0 ? Contents.Empty : foreign.Count == 0 ? Contents.Checkpoint : Contents.Other;
        return new OutputDirectory(path, holds, foreign);
    }

    /// <summary>Whether a file of this name is one a checkpoint writer makes: shards, indexes, and its hidden partial files.</summary>
    public static bool IsCheckpointFile(string name) =>
        name.EndsWith(".safetensors", StringComparison.Ordinal)
        || name.EndsWith(".safetensors.index.json", StringComparison.Ordinal)
        || (name.StartsWith('.') && name.EndsWith(".partial", StringComparison.Ordinal));
}
