using Checkpoints.Cli.Tests.TestSupport;


namespace Checkpoints.Cli.Tests.Commands;

/// <summary>
/// A real <c>ckpt</c> writing a large checkpoint, stopped by Ctrl-C (SIGINT) or SIGTERM as soon as its first partial
/// file has data: it ends soon after (the bound is generous, against a hang, not a speed), with 130 or 143, and leaves
/// nothing behind: no partial file, no staging directory, no output directory.
/// </summary>
public sealed class WriterSignalTests : IDisposable
{
    private static readonly TimeSpan AfterSignal = TimeSpan.FromSeconds(5);

    private readonly string _root = Directory.CreateTempSubdirectory("ckpt-signal-test-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(CkptChild.SigTerm, 143)]
    [InlineData(CkptChild.SigInt, 130)]
    public async Task Synth_RemovesPartialFiles_WhenSignalled(int signal, int exitCode)
    {
        using var child = CkptChild.Start(new Dictionary<string, string>(), "synth", Path.Combine(_root, "out"), "--size", "2GiB");

        await WaitForDataAsync(_root);
        child.Signal(signal);
        var (actual, _, error) = await child.WaitAsync(AfterSignal);

        Assert.Equal(exitCode, actual);
        Assert.Equal($"ckpt: cancelled{Environment.NewLine}", error);
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }

    [Fact]
    public async Task Demo_RemovesItsFolder_WhenTerminated()
    {
        using var child = CkptChild.Start(new Dictionary<string, string> { ["TMPDIR"] = _root }, "demo", "--size", "2GiB");

        await WaitForDataAsync(_root);
        child.Signal(CkptChild.SigTerm);
        var (actual, _, error) = await child.WaitAsync(AfterSignal);

        Assert.Equal(143, actual);
        Assert.Equal($"ckpt: cancelled{Environment.NewLine}", error);
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }

    /// <summary>Until a file under <paramref name="root"/> holds data: the writer is inside a tensor.</summary>
    private static async Task WaitForDataAsync(string root)
    {
        for (var waited = TimeSpan.Zero; waited < TimeSpan.FromSeconds(60); waited += TimeSpan.FromMilliseconds(20))
        {
            var files = new DirectoryInfo(root).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 });
            if (files.Any(static file => file.Length > (1 << 20)))
            {
                return;
            }

            await Task.Delay(20);
        }

        Assert.Fail($"no file under {root} got data in 60 s");
    }
}
