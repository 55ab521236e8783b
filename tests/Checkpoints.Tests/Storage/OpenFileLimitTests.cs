using Checkpoints.Storage;
using Checkpoints.Tests.TestSupport;

namespace Checkpoints.Tests.Storage;

public sealed class OpenFileLimitTests
{
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
