namespace Checkpoints.Tests.TestSupport;

/// <summary>A temporary directory tree for fixtures that need absolute paths (mountinfo naming where cgroups are mounted).</summary>
internal sealed class TempTree : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("ckpt-tree-");

    public string Path(string relative) => System.IO.Path.Combine(_root.FullName, relative);

    public void Write(string relative, string text)
    {
        var path = Path(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    /// <summary>Copies a fixture directory into the tree and returns the copy's absolute path.</summary>
    public string CopyOf(string source, string relative)
    {
        var target = Path(relative);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = System.IO.Path.Combine(target, System.IO.Path.GetRelativePath(source, file));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return target;
    }

    public void Dispose() => _root.Delete(recursive: true);
}
