using System.Globalization;

namespace Checkpoints.Cli.Tests.TestSupport;

/// <summary>
/// A child memory cgroup with a limit, created for one test and removed on dispose. On a v1 machine it sits under
/// this process's memory cgroup; on v2 at the top of the unified hierarchy (a v2 cgroup holding processes cannot
/// delegate controllers to children, the root is exempt). Needs root.
/// </summary>
internal sealed class MemoryCgroup : IDisposable
{
    private MemoryCgroup(string directory, string cgroupPath, int version)
    {
        Directory = directory;
        CgroupPath = cgroupPath;
        Version = version;
    }

    /// <summary>The cgroup's folder in the mounted hierarchy.</summary>
    public string Directory { get; }

    /// <summary>The cgroup's path as <c>/proc/PID/cgroup</c> shows it.</summary>
    public string CgroupPath { get; }

    public int Version { get; }

    public static MemoryCgroup Create(long limitBytes)
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            throw new InvalidOperationException("This test creates a memory cgroup: it needs Linux and root.");
        }

        var mounts = File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')).ToArray();
        var membership = File.ReadAllLines("/proc/self/cgroup").Select(l => l.Split(':', 3)).ToArray();
        var name = $"ckpt-test-{Guid.NewGuid():N}";
        var limit = limitBytes.ToString(CultureInfo.InvariantCulture);

        var v1Mount = mounts.LastOrDefault(f => Type(f) == "cgroup" && SuperOptions(f).Split(',').Contains("memory"));
        var v1Path = membership.FirstOrDefault(m => m.Length == 3 && m[1].Split(',').Contains("memory"))?[2];
        if (v1Mount is not null && v1Path is not null)
        {
            var root = Unescape(v1Mount[3]);
            var relative = root == "/" ? v1Path : v1Path[root.TrimEnd('/').Length..];
            var directory = Path.Combine(Unescape(v1Mount[4]) + relative, name);
            System.IO.Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, "memory.limit_in_bytes"), limit);
            return new MemoryCgroup(directory, v1Path.TrimEnd('/') + "/" + name, 1);
        }

        var v2Mount = mounts.LastOrDefault(f => Type(f) == "cgroup2")
            ?? throw new InvalidOperationException("No cgroup memory controller is mounted (neither a v1 memory hierarchy nor cgroup2).");
        var top = Unescape(v2Mount[4]);
        if (!File.ReadAllText(Path.Combine(top, "cgroup.controllers")).Split(' ', '\n').Contains("memory"))
        {
            throw new InvalidOperationException($"The cgroup2 hierarchy at {top} has no memory controller.");
        }

        File.WriteAllText(Path.Combine(top, "cgroup.subtree_control"), "+memory");
        var v2Directory = Path.Combine(top, name);
        System.IO.Directory.CreateDirectory(v2Directory);
        File.WriteAllText(Path.Combine(v2Directory, "memory.max"), limit);
        var mountRoot = Unescape(v2Mount[3]);
        return new MemoryCgroup(v2Directory, (mountRoot == "/" ? string.Empty : mountRoot) + "/" + name, 2);
    }

    /// <summary>A shell command line prefix that moves the shell into this cgroup and then runs the given program in its place (same pid).</summary>
    public string[] WrapCommand(params string[] command) =>
        ["/bin/sh", "-c", "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"", Directory, .. command];

    public void Dispose()
    {
        // rmdir succeeds once the cgroup holds no process; the child has exited, give the kernel a moment to notice.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                System.IO.Directory.Delete(Directory);
                return;
            }
            catch (IOException) when (attempt < 50)
            {
                Thread.Sleep(20);
            }
        }
    }

    private static string Type(string[] fields)
    {
        var separator = Array.IndexOf(fields, "-");
        return separator > 0 && separator + 1 < fields.Length ? fields[separator + 1] : string.Empty;
    }

    private static string SuperOptions(string[] fields)
    {
        var separator = Array.IndexOf(fields, "-");
        return separator > 0 && separator + 3 < fields.Length ? fields[separator + 3] : string.Empty;
    }

    private static string Unescape(string field) => field.Replace("\\040", " ", StringComparison.Ordinal);
}
