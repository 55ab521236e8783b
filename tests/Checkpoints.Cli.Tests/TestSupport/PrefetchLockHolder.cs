using System.Diagnostics;
using Checkpoints.Files;
using Checkpoints.Storage.Locks;
using Checkpoints.Tests.TestSupport;

namespace Checkpoints.Cli.Tests.TestSupport;

/// <summary>
/// Another process warming a whole file, as a prefetch sees it: a process holding the byte range of all of the file in
/// its node-wide lock file (a perl one-liner, see <see cref="RangeLockHolder"/>, which never lets go), so a prefetch that
/// reaches any block of the file waits for it. Killed on dispose.
/// </summary>
internal sealed class PrefetchLockHolder : IDisposable
{
    private readonly RangeLockHolder _holder;

    private PrefetchLockHolder(RangeLockHolder holder) => _holder = holder;

    public Process Process => _holder.Process;

    /// <summary>Holds all of <paramref name="file"/>'s bytes in the lock folder <paramref name="locks"/> (CKPT_LOCK_DIR), once the kernel shows them held.</summary>
    public static PrefetchLockHolder Hold(string locks, string file)
    {
        using var directory = NodeLockDirectory.OpenConfigured(locks);
        return new PrefetchLockHolder(RangeLockHolder.Hold(NodeRangeLock.PathOf(directory, FileIdentity.Of(file)), 0, new FileInfo(file).Length));
    }

    public void Dispose() => _holder.Dispose();
}
