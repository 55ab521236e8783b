using System.Diagnostics;
using Checkpoints.Files;
using Checkpoints.Storage.Locks;

namespace Checkpoints.Cli.Tests.TestSupport;

/// <summary>
/// Another process warming a file, as a prefetch sees it: <c>flock LOCKFILE sleep 300</c> on the file's node-wide lock
/// (util-linux <c>flock</c>, which never lets go), so a prefetch that reaches the file waits for it. Killed on dispose.
/// </summary>
internal sealed class PrefetchLockHolder : IDisposable
{
    private PrefetchLockHolder(Process process) => Process = process;

    public Process Process { get; }

    /// <summary>Holds <paramref name="file"/>'s lock in the lock folder <paramref name="locks"/> (CKPT_LOCK_DIR), once <c>flock</c> has it.</summary>
    public static PrefetchLockHolder Hold(string locks, string file)
    {
        using var directory = NodeLockDirectory.OpenConfigured(locks);
        var identity = FileIdentity.Of(file);
        var holder = new PrefetchLockHolder(Process.Start(new ProcessStartInfo("flock", ["--exclusive", "--close", NodeFileLock.PathOf(directory, identity), "sleep", "300"])
        {
            UseShellExecute = false,
        })!);
        if (!SpinWait.SpinUntil(() => NodeFileLock.DescribeHolder(directory, identity) is not null, TimeSpan.FromSeconds(60)))
        {
            holder.Dispose();
            Assert.Fail("flock never took the lock");
        }

        return holder;
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
        }

        Process.Dispose();
    }
}
