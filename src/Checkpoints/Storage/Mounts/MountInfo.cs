using System.Globalization;
using System.Text;

namespace Checkpoints.Storage.Mounts;

/// <summary>Parses <c>/proc/[pid]/mountinfo</c> (proc(5)) and answers "which mount holds this path".</summary>
internal static class MountInfo
{
    /// <summary>Reads and parses a mountinfo file. Lines that do not parse are skipped: one odd line must not hide every mount.</summary>
    public static IReadOnlyList<MountInfoEntry> Read(string path) => Parse(File.ReadAllText(path));

    public static IReadOnlyList<MountInfoEntry> Parse(string text)
    {
        var entries = new List<MountInfoEntry>();
        foreach (var line in text.Split('\n'))
        {
            if (TryParseLine(line, out var entry))
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    // 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
    // (1)(2)(3)   (4)   (5)      (6)      (7)    (8) (9)    (10)         (11)
    // Field 7 is zero or more optional fields ended by a lone "-".
    public static bool TryParseLine(string line, out MountInfoEntry entry)
    {
        entry = null!;
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var separator = fields.Length < 9 ? -1 : Array.IndexOf(fields, "-", 6);
        if (separator < 0 || fields.Length < separator + 3)
        {
            return false;
        }

        var device = fields[2].Split(':');
        if (device.Length != 2
            || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent)
            || !uint.TryParse(device[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            || !uint.TryParse(device[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
        {
            return false;
        }

        var source = Unescape(fields[separator + 2]);
        entry = new MountInfoEntry(
            id,
            parent,
            major,
            minor,
            Unescape(fields[3]),
            Unescape(fields[4]),
            Unescape(fields[separator + 1]),
            source == "none" ? null : source,
            fields.Length > separator + 3 ? Unescape(fields[separator + 3]) : string.Empty);
        return true;
    }

    /// <summary>Decodes the kernel's octal escapes: <c>\040</c> space, <c>\011</c> tab, <c>\012</c> newline, <c>\134</c> backslash (fs/proc_namespace.c, <c>mangle</c>).</summary>
    public static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var builder = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && IsOctal(field[i + 1]) && IsOctal(field[i + 2]) && IsOctal(field[i + 3]))
            {
                builder.Append((char)(((field[i + 1] - '0') * 64) + ((field[i + 2] - '0') * 8) + (field[i + 3] - '0')));
                i += 3;
            }
            else
            {
                builder.Append(field[i]);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// The mount that a path lies under: the longest mount point that is a path prefix of it, and, when several
    /// entries share that mount point, the last one. Mounts are listed in the order they were made, so the last one
    /// on a point is on top and is the one a lookup sees (autofs with NFS mounted over it must read as NFS).
    /// </summary>
    public static MountInfoEntry? FindVisibleMount(IReadOnlyList<MountInfoEntry> mounts, string path, Func<MountInfoEntry, bool>? filter = null)
    {
        MountInfoEntry? best = null;
        foreach (var mount in mounts)
        {
            if ((filter is null || filter(mount)) && IsUnder(path, mount.MountPoint)
                && (best is null || mount.MountPoint.Length >= best.MountPoint.Length))
            {
                best = mount;
            }
        }

        return best;
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="directory"/> or lies below it, by whole path components.</summary>
    public static bool IsUnder(string path, string directory)
    {
        if (directory == "/")
        {
            return path.StartsWith('/');
        }

        var trimmed = directory.TrimEnd('/');
        return path.StartsWith(trimmed, StringComparison.Ordinal)
            && (path.Length == trimmed.Length || path[trimmed.Length] == '/');
    }

    private static bool IsOctal(char c) => c is >= '0' and <= '7';
}
