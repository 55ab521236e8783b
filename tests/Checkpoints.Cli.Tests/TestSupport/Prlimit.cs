namespace Checkpoints.Cli.Tests.TestSupport;

/// <summary>
/// <c>prlimit</c> (util-linux) runs a command under resource limits, as <c>ulimit</c> does in a shell. Setting the hard
/// limit with the soft one matters: .NET raises its soft limit on open files to the hard limit at start-up.
/// </summary>
internal static class Prlimit
{
    /// <summary>The command prefix that runs what follows under <paramref name="limits"/> (for example <c>--nofile=256:256</c>).</summary>
    /// <exception cref="InvalidOperationException">prlimit is not installed: these tests cannot set the limit they are about.</exception>
    public static string[] Wrap(params string[] limits) => [Find(), .. limits, "--"];

    private static string Find()
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/bin", "/bin", "/usr/sbin", "/sbin"]);
        return directories.Select(static directory => Path.Combine(directory, "prlimit")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                "prlimit is not installed, and this test runs ckpt under a resource limit with it: install util-linux (apt-get install util-linux).");
    }
}
