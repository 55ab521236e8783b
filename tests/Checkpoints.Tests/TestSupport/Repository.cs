using System.Diagnostics;

namespace Checkpoints.Tests.TestSupport;

/// <summary>
/// The repository the tests were built from (its README, sources and samples, found above the test output folder),
/// and the child programs the documentation tests run against it. Shared source: the CLI and TorchSharp test projects
/// compile this file too.
/// </summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>The first C# block under the README heading <paramref name="heading"/> (for example "## The library").</summary>
    public static string ReadmeSample(string readme, string heading)
    {
        var section = readme.IndexOf("\n" + heading, StringComparison.Ordinal);
        if (section < 0)
        {
            throw new InvalidOperationException($"README.md has no '{heading}' section");
        }

        var start = readme.IndexOf("```csharp\n", section, StringComparison.Ordinal) + "```csharp\n".Length;
        var end = readme.IndexOf("\n```", start, StringComparison.Ordinal);
        return readme[start..end];
    }

    /// <summary>
    /// Copies what a pack reads into <paramref name="copy"/>: the sources and the files around them, not bin/ or obj/.
    /// A pack in a copy cannot collide with the builds of the test run in the repository's own obj/ folders.
    /// </summary>
    public static void CopySources(string copy)
    {
        Directory.CreateDirectory(copy);
        foreach (var file in (string[])["README.md", "Directory.Build.props", "Directory.Packages.props", "global.json", ".editorconfig"])
        {
            File.Copy(Path.Combine(Root, file), Path.Combine(copy, file));
        }

        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "src"), "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(Root, file);
            if (relative.Split(Path.DirectorySeparatorChar) is var parts && (parts.Contains("bin") || parts.Contains("obj")))
            {
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(copy, relative))!);
            File.Copy(file, Path.Combine(copy, relative));
        }
    }

    /// <summary>Runs the dotnet that runs the tests (<c>DOTNET_HOST_PATH</c>), or the one on the PATH.</summary>
    public static Task<(int ExitCode, string Output)> Dotnet(string workingDirectory, params string[] args) =>
        Run(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet", workingDirectory, args);

    /// <summary>Runs <paramref name="program"/> to its end; standard output and then standard error, together.</summary>
    public static async Task<(int ExitCode, string Output)> Run(string program, string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in args)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

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
