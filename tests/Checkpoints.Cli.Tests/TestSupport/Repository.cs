namespace Checkpoints.Cli.Tests.TestSupport;

/// <summary>The repository the tests were built from: its README and sources, found above the test output folder.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Checkpoints.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Checkpoints.slnx above {AppContext.BaseDirectory}: these tests run from the repository's build output.");
    }
}
