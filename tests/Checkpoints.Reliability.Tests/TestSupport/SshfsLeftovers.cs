using System.Diagnostics;
using Checkpoints.Tests.TestSupport;

namespace Checkpoints.Reliability.Tests.TestSupport;

/// <summary>
/// What a disposed <see cref="SshfsMount"/> might have left behind: its mount, its sshfs process, its socat server (or
/// a child socat forked for a connection). Only this mount's are looked for, by its mount point and port, so tests
/// running in parallel do not see each other's.
/// </summary>
internal static class SshfsLeftovers
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>Waits briefly (a killed process takes a moment to go) and fails with what is still there.</summary>
    public static async Task AssertNoneAsync(SshfsMount mount)
    {
        var waited = Stopwatch.StartNew();
        var left = Find(mount);
        while (left.Count > 0 && waited.Elapsed < Patience)
        {
            await Task.Delay(100);
            left = Find(mount);
        }

        Assert.True(left.Count == 0, $"Left behind by the mount at {mount.MountPoint}:\n{string.Join("\n", left)}");
    }

    private static List<string> Find(SshfsMount mount)
    {
        var left = File.ReadLines("/proc/self/mountinfo")
            .Where(line => line.Contains($" {mount.MountPoint} ", StringComparison.Ordinal))
            .Select(line => "mount: " + line)
            .ToList();
        var listen = $"TCP-LISTEN:{mount.ServerEndPoint.Port},";
        foreach (var process in Directory.EnumerateDirectories("/proc").Where(static path => int.TryParse(Path.GetFileName(path), out _)))
        {
            string commandLine;
            try
            {
                // Arguments are NUL-separated; a zombie has none, and is no longer running anything.
                commandLine = File.ReadAllText(Path.Combine(process, "cmdline")).Replace('\0', ' ');
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            if (commandLine.Contains(mount.MountPoint, StringComparison.Ordinal) || commandLine.Contains(listen, StringComparison.Ordinal))
            {
                left.Add($"process {Path.GetFileName(process)}: {commandLine}");
            }
        }

        return left;
    }
}
