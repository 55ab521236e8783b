using Checkpoints.Files;
using Checkpoints.Interop;
using Checkpoints.Storage.Mounts;


namespace Checkpoints.Storage.FileSystems;

/// <summary>
/// Finds which file system holds a file and classifies it. On Linux the facts come from <c>realpath</c>,
/// <c>statx</c> (the device), <c>statfs</c> (the magic) and a mountinfo file; on macOS from <c>statfs</c>; on
/// Windows from the drive. Anything the platform does not say is reported as unknown, never guessed.
/// </summary>
internal sealed partial class FileSystemProbe
{
    private const int MaxOverlayDepth = 4;

    public FileSystemProbe(string mountInfoPath, FileSystemClassifier classifier)
    {
        MountInfoPath = mountInfoPath;
        Classifier = classifier;
    }

    /// <summary>The mountinfo file read on Linux (normally <c>/proc/self/mountinfo</c>).</summary>
    public string MountInfoPath { get; }

    public FileSystemClassifier Classifier { get; }

    /// <summary>A probe of the real machine.</summary>
    public static FileSystemProbe CreateDefault(FileSystemClassifier? classifier = null) =>
        new("/proc/self/mountinfo", classifier ?? FileSystemClassifier.Default);

    /// <summary>Probes each file (the mount table is read once for all of them).</summary>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    public IReadOnlyList<FileSystemFacts> Probe(IReadOnlyList<string> paths, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (OperatingSystem.IsLinux())
        {
            var mounts = ReadMountsOrEmpty();
            var magics = new System.Collections.Concurrent.ConcurrentDictionary<ulong, long?>();
            return PerFileProbe.Run(paths, path => ProbeLinux(path, mounts, magics), cancellationToken);
        }

        return PerFileProbe.Run(paths, ProbeOne, cancellationToken);
    }

    /// <summary>Probes one file.</summary>
    public FileSystemFacts Probe(string path) => Probe([path])[0];

    private FileSystemFacts ProbeOne(string path)
    {
        if (OperatingSystem.IsMacOS())
        {
            return ProbeMacOS(path);
        }

        if (OperatingSystem.IsWindows())
        {
            return ProbeWindows(path);
        }

        var real = Path.GetFullPath(path);
        return new FileSystemFacts(path, real, null, "unknown", null, null, FileSystemClass.Unknown, null, "this platform does not say which file system holds a file");
    }

    /// <summary>
    /// The Linux decision, pure so fixtures can drive it: the visible mount by path (longest mount point, last
    /// entry on it), corrected by the file's device number (a file reached through an overlay or a second mount
    /// of the same device reports the device of the file system that really holds it) and cross-checked against
    /// the statfs magic.
    /// </summary>
    internal FileSystemFacts Resolve(string path, string realPath, IReadOnlyList<MountInfoEntry> mounts, (uint Major, uint Minor)? device, long? magic)
    {
        var visible = MountInfo.FindVisibleMount(mounts, realPath);
        var chosen = visible;
        string? note = null;

        if (visible is not null && device is { } dev && !HasDevice(visible, dev))
        {
            var byDevice = MountInfo.FindVisibleMount(mounts, realPath, m => HasDevice(m, dev))
                ?? mounts.LastOrDefault(m => HasDevice(m, dev));
            // statfs on an overlay describes the overlay while st_dev names the real file system (non-directories,
            // all layers on one file system), so an overlay magic does not contradict the device.
            if (byDevice is not null
                && (magic is not { } mg || FileSystemClassifier.MagicAgrees(mg, byDevice.FileSystemType) != false || mg == StatfsMagic.Overlay))
            {
                chosen = byDevice;
                note = $"the file's device {dev.Major}:{dev.Minor} is the {byDevice.FileSystemType} mount at {byDevice.MountPoint}, reached through the {visible.FileSystemType} mount at {visible.MountPoint}";
            }
        }

        if (magic is { } m && chosen is not null && note is null && FileSystemClassifier.MagicAgrees(m, chosen.FileSystemType) == false)
        {
            var byMagic = MountInfo.FindVisibleMount(mounts, realPath, e => FileSystemClassifier.MagicAgrees(m, e.FileSystemType) == true);
            var magicName = StatfsMagic.CanonicalName(m)!;
            if (byMagic is not null)
            {
                note = $"statfs says {magicName} (0x{m:X}), so the {byMagic.FileSystemType} mount at {byMagic.MountPoint} holds the file, not the {chosen.FileSystemType} entry at {chosen.MountPoint}";
                chosen = byMagic;
            }
            else
            {
                var (cls, why) = Classifier.Classify(magicName);
                return new FileSystemFacts(path, realPath, chosen.MountPoint, magicName, chosen.Source, chosen.Root, cls, m,
                    $"{why} (statfs magic 0x{m:X}; mountinfo said {chosen.FileSystemType})");
            }
        }

        if (chosen is null)
        {
            if (magic is { } only && StatfsMagic.CanonicalName(only) is { } name)
            {
                var (cls, why) = Classifier.Classify(name);
                return new FileSystemFacts(path, realPath, null, name, null, null, cls, only, $"{why} (statfs magic 0x{only:X}; no mount table entry)");
            }

            return new FileSystemFacts(path, realPath, null, "unknown", null, null, FileSystemClass.Unknown, magic, "no mount table entry holds the file and statfs did not identify it");
        }

        var (fsClass, reason) = ClassifyMount(chosen, mounts, 0);
        return new FileSystemFacts(path, realPath, chosen.MountPoint, chosen.FileSystemType, chosen.Source, chosen.Root, fsClass, magic,
            note is null ? reason : $"{reason}; {note}");
    }

    private (FileSystemClass Class, string Reason) ClassifyMount(MountInfoEntry mount, IReadOnlyList<MountInfoEntry> mounts, int depth)
    {
        if (mount.FileSystemType is "overlay" or "overlayfs" && depth < MaxOverlayDepth)
        {
            return ClassifyOverlay(mount, mounts, depth);
        }

        return Classifier.Classify(mount.FileSystemType);
    }

    /// <summary>
    /// An overlay is as remote as its layers: the upper layer first (new and copied-up files), then the lower
    /// ones. Layers are looked up in the same mount table; in a container they are usually host paths that are
    /// not visible, and the overlay then counts as local, saying so.
    /// </summary>
    private (FileSystemClass Class, string Reason) ClassifyOverlay(MountInfoEntry overlay, IReadOnlyList<MountInfoEntry> mounts, int depth)
    {
        var layers = OverlayLayers(overlay.SuperOptions);
        var seen = new List<string>();
        var unknown = new List<string>();
        foreach (var (role, dir) in layers)
        {
            var holder = MountInfo.FindVisibleMount(mounts, dir, m => m.MountId != overlay.MountId);
            if (holder is null)
            {
                continue;
            }

            var (cls, _) = ClassifyMount(holder, mounts, depth + 1);
            if (cls == FileSystemClass.Network)
            {
                return (FileSystemClass.Network, $"overlay whose {role} layer {dir} is on {holder.FileSystemType} at {holder.MountPoint}");
            }

            if (cls == FileSystemClass.Unknown)
            {
                unknown.Add($"{role} layer {dir} on {holder.FileSystemType}");
            }

            seen.Add($"{role} {holder.FileSystemType}");
        }

        if (unknown.Count > 0)
        {
            return (FileSystemClass.Unknown, $"overlay with a layer of unknown kind: {string.Join(", ", unknown)}");
        }

        return seen.Count == 0
            ? (FileSystemClass.Local, "overlay whose layers are not visible in this mount namespace; taken as local")
            : (FileSystemClass.Local, $"overlay on local layers ({string.Join(", ", seen.Distinct())})");
    }

    /// <summary>The layer directories named in an overlay's super options: <c>upperdir</c> first, then each <c>lowerdir</c> entry (colon separated; <c>lowerdir+</c>/<c>datadir+</c> on newer kernels).</summary>
    internal static IReadOnlyList<(string Role, string Directory)> OverlayLayers(string superOptions)
    {
        var upper = new List<(string, string)>();
        var lower = new List<(string, string)>();
        foreach (var option in SplitUnescaped(superOptions, ','))
        {
            var eq = option.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var key = option[..eq];
            var value = option[(eq + 1)..];
            switch (key)
            {
                case "upperdir":
                    upper.Add(("upper", Unescape(value)));
                    break;
                case "lowerdir" or "lowerdir+" or "datadir+":
                    lower.AddRange(SplitUnescaped(value, ':').Where(d => d.Length > 0).Select(d => ("lower", Unescape(d))));
                    break;
                default:
                    break;
            }
        }

        return [.. upper, .. lower];
    }

    // Overlay escapes ',' ':' and '\' in layer paths with a backslash.
    private static List<string> SplitUnescaped(string text, char separator)
    {
        var parts = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == separator)
            {
                parts.Add(text[start..i]);
                start = i + 1;
            }
        }

        parts.Add(text[start..]);
        return parts;
    }

    private static string Unescape(string text) => text.Replace("\\,", ",", StringComparison.Ordinal)
        .Replace("\\:", ":", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);

    private static bool HasDevice(MountInfoEntry mount, (uint Major, uint Minor) device) =>
        mount.DeviceMajor == device.Major && mount.DeviceMinor == device.Minor;
}
