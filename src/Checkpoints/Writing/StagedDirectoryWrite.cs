using System.Runtime.InteropServices;
using Checkpoints.Files;
using Checkpoints.Interop;

namespace Checkpoints.Writing;

/// <summary>
/// Writes a whole checkpoint into a hidden staging directory beside its destination and only then puts it in place,
/// in one rename, so the destination never holds a mix of an old and a new checkpoint, nor a new one in part:
/// a missing destination becomes the staging directory; one holding a checkpoint is swapped with it
/// (<c>renameat2(RENAME_EXCHANGE)</c>) when <c>replace</c> is set, and the old checkpoint's files deleted afterwards; an
/// empty one is written in place (it keeps its mode and owner), each file whole under its name and the index last; one
/// holding anything else is refused, so no one's files are moved. On failure or cancellation what was written is removed.
/// </summary>
internal static class StagedDirectoryWrite
{
    private const int ENotSup = 95;
    private const int ENoSpc = 28;
    private const int ERoFs = 30;
    private const int EInval = 22;
    private const int ENoSys = 38;
    private const int EAcces = 13;
    private const int EPerm = 1;

    /// <returns>The paths <paramref name="write"/> returned, as they are after the move.</returns>
    public static IReadOnlyList<string> Run(string directory, bool replace, Func<string, IReadOnlyList<string>> write, CancellationToken cancellationToken)
    {
        var target = Resolve(directory);
        var output = OutputDirectory.Inspect(target);
        EnsureWritable(output, replace);
        var parent = Path.GetDirectoryName(target) ?? throw new IOException($"{target}: cannot write a checkpoint over the root directory");
        if (File.Exists(FreeSpace.NearestExisting(parent)))
        {
            throw new IOException($"{target}: {FreeSpace.NearestExisting(parent)} is a file, not a directory: choose another path");
        }

        Directory.CreateDirectory(parent);
        // An empty directory is written in place: it keeps its own mode, owner and ACLs (a staged one would come with
        // fresh ones), and there is no old checkpoint a reader could see mixed with the new one.
        if (output.Holds == OutputDirectory.Contents.Empty)
        {
            return WriteInPlace(target, write);
        }

        // A random name, never reused and never deleted if found: two writers (in two containers, say, whose pids may
        // be equal) must not take or remove each other's staging directory. Short, so a long target name still fits.
        var staging = Path.Combine(parent, $".ckpt-staging-{Guid.NewGuid().ToString("N")[..12]}");
        // A directory cannot be renamed across file systems: over a mount point the staging would be on the wrong one.
        var mountPoint = output.Holds != OutputDirectory.Contents.Missing && FileIdentity.Of(parent).Device != FileIdentity.Of(target).Device;
        if (mountPoint || !TryCreate(staging, target))
        {
            return WriteInPlace(target, write);
        }

        var published = false;
        try
        {
            var written = Explained(target, () => write(staging));
            cancellationToken.ThrowIfCancellationRequested();
            Publish(staging, target, replace);
            published = true;
            return [.. written.Select(path => Path.Combine(target, Path.GetRelativePath(staging, path)))];
        }
        finally
        {
            // Before the move it holds the unfinished checkpoint; after a swap, the old one.
            if (Directory.Exists(staging))
            {
                RemoveStaging(staging, target, published);
            }
        }
    }

    private static void EnsureWritable(OutputDirectory output, bool replace)
    {
        switch (output.Holds)
        {
            case OutputDirectory.Contents.Checkpoint when !replace:
                throw new OutputDirectoryException(output.Path, OutputDirectoryProblem.HoldsCheckpoint,
                    $"{output.Path}: already holds a checkpoint; ask to replace it (the new one is written beside it and swapped in whole), or choose a new or empty directory");
            case OutputDirectory.Contents.Other:
                var names = string.Join(", ", output.Foreign.Take(3)) + (output.Foreign.Count > 3 ? $" and {output.Foreign.Count - 3} more" : string.Empty);
                throw new OutputDirectoryException(output.Path, OutputDirectoryProblem.HoldsOtherFiles,
                    $"{output.Path}: holds files that are not a checkpoint's ({names}); choose a new or empty directory (only a directory holding nothing but a checkpoint is replaced)",
                    output.Foreign);
        }
    }

    /// <summary>The destination itself when it is a symbolic link to a directory: the link stays, its target is replaced.</summary>
    private static string Resolve(string directory)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        return Directory.Exists(full) && new DirectoryInfo(full).ResolveLinkTarget(returnFinalTarget: true) is { } linked
            ? Path.TrimEndingDirectorySeparator(linked.FullName)
            : full;
    }

    /// <summary>False when the parent cannot take a new directory (read-only, or not ours: a mount point's parent).</summary>
    /// <exception cref="IOException">Any other reason (no space, a name too long, a name taken).</exception>
    private static bool TryCreate(string staging, string target)
    {
        // 0777 less the umask, as any new directory: after the rename it is the checkpoint's directory.
        if (Libc.MkDir(staging, 0x1FF) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno is ERoFs or EAcces or EPerm
            ? false
            : throw new IOException($"{target}: cannot create the staging directory {staging} beside it: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    /// <summary>
    /// Without a staging directory, an empty destination is written into directly: each file appears whole under its
    /// name and the index last, and on failure everything written is removed, so it ends empty as it began. Anything
    /// else would have to be moved or mixed, so it is refused.
    /// </summary>
    private static IReadOnlyList<string> WriteInPlace(string target, Func<string, IReadOnlyList<string>> write)
    {
        if (OutputDirectory.Inspect(target).Holds != OutputDirectory.Contents.Empty)
        {
            throw new IOException($"{target}: cannot stage the new checkpoint beside it in {Path.GetDirectoryName(target)} (a mount point, or a parent that is read-only or not ours), and only an empty directory can be written without staging: empty it, or choose a directory in a writable parent on the same file system");
        }

        try
        {
            return Explained(target, () => write(target));
        }
        catch
        {
            // Only what a writer makes, and no directory: anything another process put there meanwhile is not ours.
            RemoveCheckpointFiles(target);
            throw;
        }
    }

    /// <summary>
    /// The errors a free-space check cannot rule out (another writer took the space meanwhile) or a read-only file system,
    /// said of the checkpoint rather than of a hidden partial file that no longer exists.
    /// </summary>
    private static IReadOnlyList<string> Explained(string target, Func<IReadOnlyList<string>> write)
    {
        try
        {
            return write();
        }
        catch (IOException exception) when (exception.HResult == ENoSpc)
        {
            throw new IOException($"{target}: the file system ran out of space while the checkpoint was written ({exception.Message}); nothing was kept: free some space, or write a smaller checkpoint or to another directory", exception);
        }
        catch (Exception exception) when (exception.HResult == ERoFs && exception is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{target}: the file system is read-only: choose another directory", exception);
        }
    }

    private static void Publish(string staging, string target, bool replace)
    {
        // Looked at again: the destination may have changed while the checkpoint was written.
        var output = OutputDirectory.Inspect(target);
        EnsureWritable(output, replace);
        if (output.Holds == OutputDirectory.Contents.Missing)
        {
            Rename(staging, target, Libc.RenameNoReplace);
            return;
        }

        // The directory keeps its mode across the swap (its owner is the writer's: chown is not attempted).
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(staging, File.GetUnixFileMode(target));
        }

        if (Libc.RenameAt2(Libc.AtFdCwd, staging, Libc.AtFdCwd, target, Libc.RenameExchange) == 0)
        {
            return;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno is not (EInval or ENoSys or ENotSup))
        {
            throw new IOException($"{target}: cannot move the new checkpoint into place: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        // The file system cannot swap (some FUSE and network file systems): an empty directory can still be
        // replaced, in two steps that lose nothing; a checkpoint cannot without a moment holding neither.
        if (output.Holds != OutputDirectory.Contents.Empty)
        {
            throw new IOException($"{target}: this file system cannot swap directories in one step (renameat2 RENAME_EXCHANGE: {Marshal.GetPInvokeErrorMessage(errno)}), so the old checkpoint cannot be replaced without a moment holding neither: remove it first, or choose a new directory");
        }

        Directory.Delete(target);
        Rename(staging, target, 0);
    }

    private static void Rename(string from, string to, uint flags)
    {
        if (Libc.RenameAt2(Libc.AtFdCwd, from, Libc.AtFdCwd, to, flags) == 0)
        {
            return;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno is EInval or ENoSys or ENotSup)
        {
            // Without renameat2 flags: Directory.Move refuses an existing destination itself.
            Directory.Move(from, to);
            return;
        }

        throw new IOException($"{to}: cannot move the new checkpoint into place: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    /// <summary>
    /// Before the move the staging directory holds the unfinished checkpoint; after a swap, the old one. Only files a
    /// writer makes are deleted, then the directory if that leaves it empty: whatever else is there (put into the old
    /// directory while the new checkpoint was written) is kept, and said.
    /// </summary>
    private static void RemoveStaging(string staging, string target, bool published)
    {
        string[] left;
        try
        {
            RemoveCheckpointFiles(staging);
            left = [.. Directory.EnumerateFileSystemEntries(staging).Select(Path.GetFileName).OfType<string>().Take(3)];
            if (left.Length == 0)
            {
                Directory.Delete(staging);
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Unpublished, the error that stopped the write is the one to report; published, the user must know.
            if (published)
            {
                throw new IOException($"{target}: the new checkpoint is in place, but the old one moved to {staging} could not be removed ({exception.Message}): remove it", exception);
            }

            return;
        }

        if (left.Length > 0 && published)
        {
            throw new IOException($"{target}: the new checkpoint is in place; the old directory, moved to {staging}, also held {string.Join(", ", left)}, which were kept there: move them back or remove them");
        }
    }

    private static void RemoveCheckpointFiles(string directory)
    {
        foreach (var file in new DirectoryInfo(directory).EnumerateFiles().Where(static file => OutputDirectory.IsCheckpointFile(file.Name)))
        {
            file.Delete();
        }
    }
}
