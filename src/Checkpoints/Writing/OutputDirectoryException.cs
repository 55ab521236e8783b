namespace Checkpoints.Writing;

/// <summary>
/// A directory cannot take a checkpoint, found before anything was written. The message says why in the library's
/// terms; <see cref="Problem"/> and the numbers let a caller say it in its own (a command line names its flags).
/// </summary>
public sealed class OutputDirectoryException : IOException
{
    internal OutputDirectoryException(string directory, OutputDirectoryProblem problem, string message, IReadOnlyList<string>? foreignEntries = null,
        long neededBytes = 0, long freeBytes = 0)
        : base(message)
    {
        Directory = directory;
        Problem = problem;
        ForeignEntries = foreignEntries ?? [];
        NeededBytes = neededBytes;
        FreeBytes = freeBytes;
    }

    /// <summary>The directory, as a full path.</summary>
    public string Directory { get; }

    /// <summary>What is wrong with it.</summary>
    public OutputDirectoryProblem Problem { get; }

    /// <summary>For <see cref="OutputDirectoryProblem.HoldsOtherFiles"/>: the names of the entries that are not a checkpoint's.</summary>
    public IReadOnlyList<string> ForeignEntries { get; }

    /// <summary>For <see cref="OutputDirectoryProblem.NotEnoughSpace"/>: the bytes the checkpoint takes on disk at most.</summary>
    public long NeededBytes { get; }

    /// <summary>For <see cref="OutputDirectoryProblem.NotEnoughSpace"/>: the bytes free to this user on the directory's file system.</summary>
    public long FreeBytes { get; }
}
