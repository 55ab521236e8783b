using System.Globalization;
using System.Runtime.InteropServices;
using Checkpoints.Files;
using Checkpoints.Interop;
using Microsoft.Win32.SafeHandles;

namespace Checkpoints.Storage.Locks;

/// <summary>
/// The folder of the node-wide prefetch lock files (see <see cref="NodeRangeLock"/>), opened once and checked. By
/// default it is <c>{temp}/ckpt-{uid}/prefetch-locks</c>: in a temp folder every user can write to, so both levels are
/// created 0700 and refused when they are a symbolic link or belong to another user, who could otherwise hold (or
/// delete) this user's locks and make its prefetches wait. <c>CKPT_LOCK_DIR</c> chooses another folder (shared by
/// whoever agrees on it); it gets the same checks, except that a folder root owns is accepted and its mode is left as
/// it is, since an administrator may share it on purpose. Lock files are then opened relative to the descriptor
/// of the checked folder, so it cannot be swapped between the check and the use.
/// </summary>
internal sealed class NodeLockDirectory : IDisposable
{
    /// <summary>The environment variable that chooses the folder of lock files (default: a per-user folder under the temp folder).</summary>
    public const string DirectoryVariable = "CKPT_LOCK_DIR";

    private const uint PrivateMode = 0x1C0; // 0700
    private const uint OthersBits = 0x3F; // 0077

    private NodeLockDirectory(string path, SafeFileHandle handle, bool isPrivate)
    {
        Path = path;
        Handle = handle;
        IsPrivate = isPrivate;
    }

    /// <summary>The folder, for messages.</summary>
    public string Path { get; }

    /// <summary>
    /// Whether the folder is this user's alone (the per-user default); otherwise it is a folder chosen with
    /// <see cref="DirectoryVariable"/>, which other users may share, so its lock files must be writable by them.
    /// </summary>
    public bool IsPrivate { get; }

    /// <summary>The open folder, for <c>openat</c> and <c>unlinkat</c>.</summary>
    internal SafeFileHandle Handle { get; }

    /// <summary>The folder <c>CKPT_LOCK_DIR</c> names, else the per-user default under the temp folder; created and checked.</summary>
    /// <exception cref="IOException">The folder cannot be created, or is refused (the message says why).</exception>
    public static NodeLockDirectory OpenDefault()
    {
        var configured = Environment.GetEnvironmentVariable(DirectoryVariable);
        return string.IsNullOrWhiteSpace(configured) ? OpenPerUser(System.IO.Path.GetTempPath()) : OpenConfigured(configured);
    }

    /// <summary><c>{tempRoot}/ckpt-{uid}/prefetch-locks</c>, both levels private to this user.</summary>
    public static NodeLockDirectory OpenPerUser(string tempRoot)
    {
        ThrowIfNotLinux();
        var user = System.IO.Path.Combine(tempRoot, string.Create(CultureInfo.InvariantCulture, $"ckpt-{Libc.GetEUid()}"));
        // The parent is checked too: whoever owns it could rename the lock folder away and put their own in its place.
        using (OpenChecked(user, privateToUser: true))
        {
        }

        return OpenChecked(System.IO.Path.Combine(user, "prefetch-locks"), privateToUser: true);
    }

    /// <summary>A folder the user chose: created 0700 if missing; refused when a symbolic link or another user's (root's is fine).</summary>
    public static NodeLockDirectory OpenConfigured(string path)
    {
        ThrowIfNotLinux();
        // Only the last level is created: a typo in the variable must not leave a trail of folders from the root down.
        return OpenChecked(System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(path)), privateToUser: false);
    }

    public void Dispose() => Handle.Dispose();

    private static NodeLockDirectory OpenChecked(string path, bool privateToUser)
    {
        if (Libc.MkDir(path, PrivateMode) != 0 && Marshal.GetLastPInvokeError() is var error && error != Libc.ErrorExists)
        {
            var cause = error == 2 /* ENOENT */ ? "its parent folder does not exist" : Marshal.GetPInvokeErrorMessage(error);
            throw new IOException($"{path}: cannot create the prefetch lock folder: {cause}; set {DirectoryVariable} to a writable folder");
        }

        // lstat first, for a message that says what is wrong; then the descriptor, checked to be that same folder.
        var link = FileStatus.Describe(Libc.AtFdCwd, path, Libc.AtSymlinkNoFollow, path);
        if ((link.Mode & Libc.FileTypeMask) == Libc.FileTypeSymlink)
        {
            throw new IOException($"{path} is a symbolic link; a lock folder is used only when it is a real folder, which another user cannot redirect");
        }

        if ((link.Mode & Libc.FileTypeMask) != Libc.FileTypeDirectory)
        {
            throw new IOException($"{path} is not a folder; it cannot hold prefetch lock files");
        }

        var me = Libc.GetEUid();
        if (link.Uid != me && (privateToUser || link.Uid != 0))
        {
            throw new IOException($"{path} belongs to uid {link.Uid}, not to this user (uid {me}); another user could hold or delete the locks in it, so it is not used");
        }

        var fd = Libc.Open(path, Libc.OpenReadOnly | Libc.OpenCloseOnExec, 0);
        if (fd < 0)
        {
            throw new IOException($"{path}: cannot open the prefetch lock folder: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            var opened = FileStatus.Describe(fd, string.Empty, Libc.AtEmptyPath, path);
            if (opened.Inode != link.Inode || opened.DevMajor != link.DevMajor || opened.DevMinor != link.DevMinor)
            {
                throw new IOException($"{path} was replaced while it was checked; the prefetch lock folder is not used");
            }

            // A folder an earlier version created 0755 (or a umask left open): it is this user's, so it is made private.
            if (privateToUser && (opened.Mode & OthersBits) != 0 && Libc.FChmod(fd, PrivateMode) != 0)
            {
                throw new IOException($"{path}: cannot make the prefetch lock folder private (0700): {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            }

            return new NodeLockDirectory(path, handle, privateToUser);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static void ThrowIfNotLinux()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Node-wide prefetch locks use Linux open file description locks.");
        }
    }
}
