namespace Checkpoints.Storage.FileSystems;

internal sealed partial class FileSystemProbe
{
    /// <summary>Windows: the drive type (a remote drive or a UNC path is network, a RAM disk is memory) and the file system name the volume reports.</summary>
    private FileSystemFacts ProbeWindows(string path)
    {
        var full = Path.GetFullPath(path);
        var realPath = File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
        var root = Path.GetPathRoot(realPath);
        if (string.IsNullOrEmpty(root))
        {
            return UnknownFacts(path, realPath, "the path has no root");
        }

        if (root.StartsWith(@"\\", StringComparison.Ordinal) && !root.StartsWith(@"\\?\", StringComparison.Ordinal))
        {
            return new FileSystemFacts(path, realPath, root, "unknown", root, null, FileSystemClass.Network, null, "a UNC path is a network share");
        }

        try
        {
            var drive = new DriveInfo(root);
            string type;
            try
            {
                type = drive.DriveFormat;
            }
            catch (IOException)
            {
                type = "unknown";
            }

            var (cls, reason) = drive.DriveType switch
            {
                DriveType.Network => (FileSystemClass.Network, "a network drive"),
                DriveType.Ram => (FileSystemClass.Memory, "a RAM disk"),
                DriveType.Fixed or DriveType.Removable or DriveType.CDRom => (FileSystemClass.Local, $"a {drive.DriveType.ToString().ToUpperInvariant()} drive"),
                _ => Classifier.Classify(type),
            };
            return new FileSystemFacts(path, realPath, root, type, drive.Name, null, cls, null, reason);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return UnknownFacts(path, realPath, $"the drive could not be queried: {e.Message}");
        }
    }
}
