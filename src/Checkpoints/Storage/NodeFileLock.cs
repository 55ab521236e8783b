using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Checkpoints.Storage;

/// <summary>
/// An exclusive lock, shared by the processes on this node that use the same lock folder (by default one per user), on
/// one file identified by device and inode (so two paths to the same file are one lock; two mounts of one export are
/// two devices, and two locks). It is an <c>flock</c> on a small file in a runtime folder: the
/// kernel drops it when the holder's descriptor closes, so a crashed holder never blocks the others.
/// </summary>
internal sealed class NodeFileLock : IDisposable
{
    /// <summary>The environment variable that chooses the folder of lock files (default: a per-user folder under the temp folder).</summary>
    public const string DirectoryVariable = "CKPT_LOCK_DIR";

    private readonly SafeFileHandle _handle;

    private NodeFileLock(SafeFileHandle handle) => _handle = handle;

    /// <summary>The default folder: <c>CKPT_LOCK_DIR</c>, else <c>{temp}/ckpt-{uid}/prefetch-locks</c>.</summary>
    public static string DefaultDirectory()
    {
        var configured = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        var user = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() ? Interop.GetEUid().ToString(CultureInfo.InvariantCulture) : Environment.UserName;
        return Path.Combine(Path.GetTempPath(), $"ckpt-{user}", "prefetch-locks");
    }

    /// <summary>Takes the lock on <paramref name="file"/> if no other holder has it; null when another has.</summary>
    /// <exception cref="IOException">The lock file cannot be created or locked (the folder is not writable, ...).</exception>
    public static NodeFileLock? TryAcquire(string directory, FileIdentity file)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Node-wide prefetch locks use Linux open and flock.");
        }

        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"{file.Device:x}-{file.Inode}.lock"));
        var fd = Interop.Open(path, Interop.OpenReadWrite | Interop.OpenCreate | Interop.OpenCloseOnExec, 0x1B6 /* 0666, less the umask */);
        if (fd < 0)
        {
            throw new IOException($"{path}: cannot open the prefetch lock file: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}; set {DirectoryVariable} to a writable folder");
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (Interop.Flock(fd, Interop.LockExclusive | Interop.LockNonBlocking) == 0)
        {
            return new NodeFileLock(handle);
        }

        var errno = Marshal.GetLastPInvokeError();
        handle.Dispose();
        return errno == 11 /* EWOULDBLOCK */
            ? null
            : throw new IOException($"{path}: cannot lock the prefetch lock file: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    /// <summary>Releases the lock (closing the descriptor does).</summary>
    public void Dispose() => _handle.Dispose();
}
