using System.Runtime.InteropServices;
using Checkpoints.Format;
using Checkpoints.Interop;
using Checkpoints.Units;
using Microsoft.Win32.SafeHandles;

namespace Checkpoints.Files;

/// <summary>
/// The caps on open descriptors: the process's (<c>RLIMIT_NOFILE</c>, <c>ulimit -n</c>) and the system's
/// (<c>fs.file-max</c>). A shard that cannot be opened because one of them is reached is reported with the limit and
/// how to raise it: "Too many open files" alone does not say which limit, nor that it is not the checkpoint's fault.
/// </summary>
internal static class OpenFileLimit
{
    // The same numbers on Linux and macOS; .NET puts the errno in the HResult of the IOException it throws.
    private const int ENFILE = 23;
    private const int EMFILE = 24;

    /// <summary>
    /// Opens <paramref name="path"/> for reading, as the loader opens shards: never locking out a writer that replaces or
    /// deletes it, never blocking, and only if it is a regular file. The path was checked when the checkpoint was listed,
    /// but something else may have taken its name since: on Linux the open does not wait (<c>O_NONBLOCK</c>: a named pipe
    /// would block it until a writer came) and the descriptor itself is then checked.
    /// </summary>
    /// <exception cref="IOException">The file cannot be opened; when a descriptor limit is the reason, the message names it and the fix.</exception>
    /// <exception cref="CheckpointFormatException">The path names something other than a regular file.</exception>
    public static SafeFileHandle OpenRead(string path, FileShare share = FileShare.Read | FileShare.Delete, FileOptions options = FileOptions.None)
    {
        if (OperatingSystem.IsLinux())
        {
            return OpenRegularNonBlocking(path, options, extraFlags: 0)!;
        }

        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, share, options);
        }
        catch (IOException exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Gone(path, exception);
        }
        catch (IOException exception) when (Explain(path, exception) is { } explained)
        {
            throw explained;
        }
    }

    /// <summary>
    /// As <see cref="OpenRead"/>, for reads that bypass the page cache (<c>O_DIRECT</c>, Linux only). Null where that is
    /// not possible: another system, or a file system that refuses direct I/O (<c>EINVAL</c>; tmpfs before Linux 6.6,
    /// some FUSE file systems); the caller then reads through the page cache.
    /// </summary>
    /// <exception cref="IOException">The file cannot be opened for another reason (as <see cref="OpenRead"/>).</exception>
    public static SafeFileHandle? TryOpenReadDirect(string path) =>
        OperatingSystem.IsLinux() ? OpenRegularNonBlocking(path, FileOptions.None, Libc.OpenDirect) : null;

    private static SafeFileHandle? OpenRegularNonBlocking(string path, FileOptions options, int extraFlags)
    {
        const int EINVAL = 22;
        var fd = Libc.Open(path, Libc.OpenReadOnly | Libc.OpenNonBlock | Libc.OpenNoControllingTerminal | Libc.OpenCloseOnExec | extraFlags, 0);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (extraFlags != 0 && errno == EINVAL)
            {
                return null;
            }

            throw OpenFailed(path, errno);
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            if (!FileStatus.TryDescribe(fd, string.Empty, Libc.AtEmptyPath, out var status, out var errno))
            {
                throw new IOException($"{path}: cannot examine it: {Marshal.GetPInvokeErrorMessage(errno)}");
            }

            if (FileStatus.TypeOf(status) != Libc.FileTypeRegular)
            {
                throw new CheckpointFormatException(path, FormatRule.NotARegularFile,
                    "is no longer a regular file (something else took its name since the checkpoint was listed): only regular files are read as shards; put the shard back");
            }

            if (options.HasFlag(FileOptions.SequentialScan))
            {
                _ = Libc.PosixFadvise(fd, 0, 0, Libc.PosixFadvSequential);
            }

            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>An <c>open</c> that failed, said as the runtime's own open would have been, and then in the user's terms.</summary>
    private static Exception OpenFailed(string path, int errno) => errno switch
    {
        2 or 20 => Gone(path, null), // ENOENT, ENOTDIR
        // The runtime's wording: the CLI recognises it and names the path and the fix.
        1 or 13 => new UnauthorizedAccessException($"Access to the path '{path}' is denied."), // EPERM, EACCES
        EMFILE or ENFILE => new IOException(DescriptorLimit(path, errno)),
        _ => new IOException($"{path}: cannot open it: {Marshal.GetPInvokeErrorMessage(errno)}"),
    };

    private static FileNotFoundException Gone(string path, Exception? inner) =>
        // The runtime's "Could not find file" does not say that the file was there when the checkpoint was listed.
        new($"{path}: the file is gone (deleted or renamed since the checkpoint was listed); list the folder again", path, inner);

    /// <summary>The error to report instead of <paramref name="exception"/> when it is a descriptor limit; null when it is not.</summary>
    internal static IOException? Explain(string path, IOException exception)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        return exception.HResult is EMFILE or ENFILE ? new IOException(DescriptorLimit(path, exception.HResult), exception) : null;
    }

    /// <summary>What a refused open says when a descriptor limit (<c>EMFILE</c>: this process's; <c>ENFILE</c>: the system's) is the reason.</summary>
    private static string DescriptorLimit(string path, int errno) => errno == EMFILE
        ? $"{path}: too many open files: {ProcessLimit(ResourceLimit.OpenFiles())}"
        : $"{path}: too many open files in the system: the kernel's table of open files is full (fs.file-max); " +
            "close files in other processes, or raise it with 'sysctl -w fs.file-max=N'";

    /// <summary>Whether the process has no descriptor left: a probe open of <c>/dev/null</c> is refused with EMFILE.</summary>
    public static bool IsExhausted()
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        try
        {
            File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Read).Dispose();
            return false;
        }
        catch (IOException exception)
        {
            return exception.HResult == EMFILE;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The process's limit and the fix. .NET raises the soft limit to the hard one at start-up, so the two are usually equal.</summary>
    internal static string ProcessLimit(ResourceLimit? limit)
    {
        const string Fix = "raise the limit before starting the process (ulimit -n N, or LimitNOFILE=N for a systemd service)";
        if (limit?.Soft is not { } soft)
        {
            return $"the process has reached its limit of open files (ulimit -n); {Fix}";
        }

        var hard = limit.Value.Hard is { } max && max > soft ? $", up to {Invariant.N(max)} without privileges" : string.Empty;
        return $"the process may open {Invariant.N(soft)} files (ulimit -n{hard}) and all are in use; {Fix}";
    }
}
