namespace Checkpoints.Tests.TestSupport;

/// <summary>Locates the fixture trees copied beside the test assembly.</summary>
internal static class FixturePaths
{
    public static string Storage(params string[] parts) =>
        Path.Combine([AppContext.BaseDirectory, "Storage", "Fixtures", .. parts]);
}
