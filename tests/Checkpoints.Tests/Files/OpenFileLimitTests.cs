using Checkpoints.Files;
using Checkpoints.Format;
using Checkpoints.Tests.TestSupport;


namespace Checkpoints.Tests.Files;

public sealed class OpenFileLimitTests
{
    [Fact]
    public async Task OpenRead_OfANamedPipe_RefusesWithoutWaitingForAWriter()
    {
        // What a path that was a shard when listed, and a named pipe by the time it is opened, would meet.
        Prerequisites.RequireLinux();
        using var directory = new TempDirectory();
        var pipe = Path.Combine(directory.Path, "model.safetensors");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", pipe))
        {
            await mkfifo.WaitForExitAsync();
        }

        var open = Task.Run(() => OpenFileLimit.OpenRead(pipe).Dispose());
        if (await Task.WhenAny(open, Task.Delay(TimeSpan.FromSeconds(20))) != open)
        {
            await using (new FileStream(pipe, FileMode.Open, FileAccess.Write))
            {
            }

            Assert.Fail("OpenRead blocked on a named pipe");
        }

        var error = await Assert.ThrowsAsync<CheckpointFormatException>(() => open);
        Assert.Equal(FormatRule.NotARegularFile, error.Rule);
        Assert.StartsWith($"{pipe}: is no longer a regular file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenRead_FileGoneSinceListing_SaysSoInsteadOfTheRuntimesWords()
    {
        using var directory = new TempDirectory();
        var path = Path.Combine(directory.Path, "model-00002-of-00004.safetensors");

        var error = Assert.Throws<FileNotFoundException>(() => OpenFileLimit.OpenRead(path));

        Assert.Equal($"{path}: the file is gone (deleted or renamed since the checkpoint was listed); list the folder again", error.Message);
        Assert.DoesNotContain("Could not find", error.Message, StringComparison.Ordinal);
    }
}
