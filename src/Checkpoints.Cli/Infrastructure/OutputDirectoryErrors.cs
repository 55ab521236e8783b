using Checkpoints.Units;
using Checkpoints.Writing;


namespace Checkpoints.Cli.Infrastructure;

/// <summary>The writer's refusals of an output directory, said in the command line's terms (its flags).</summary>
internal static class OutputDirectoryErrors
{
    /// <summary>Runs <paramref name="write"/>; a refusal names <paramref name="shownPath"/> and, when space is short, <paramref name="spaceFix"/>.</summary>
    public static T Translate<T>(Func<T> write, string shownPath, string spaceFix)
    {
        try
        {
            return write();
        }
        catch (OutputDirectoryException exception)
        {
            var path = Path.TrimEndingDirectorySeparator(Path.GetFullPath(shownPath));
            throw exception.Problem switch
            {
                OutputDirectoryProblem.HoldsCheckpoint => new IOException(
                    $"{exception.Directory}: already holds a checkpoint; add --force to replace it (the new one is written beside it and swapped in whole), or choose a new or empty directory", exception),
                OutputDirectoryProblem.HoldsOtherFiles => new IOException(
                    $"{exception.Directory}: holds files that are not a checkpoint's ({Names(exception.ForeignEntries)}); choose a new or empty directory (only a directory holding nothing but a checkpoint is replaced, with --force)", exception),
                _ => new IOException(
                    $"{path}: the checkpoint needs {ByteSize.Format(exception.NeededBytes)} but the file system has {ByteSize.Format(exception.FreeBytes)} free: {spaceFix}", exception),
            };
        }
    }

    private static string Names(IReadOnlyList<string> names) =>
        string.Join(", ", names.Take(3)) + (names.Count > 3 ? $" and {names.Count - 3} more" : string.Empty);
}
