using System.Diagnostics;
using Checkpoints.Format;
using Checkpoints.Tests.TestSupport;

namespace Checkpoints.Tests.Files;

/// <summary>
/// Only regular files are opened as shards or indexes. A named pipe would block the open until a writer came; devices
/// and kernel pseudo-files report sizes that say nothing of what they hold. Each is refused by name and kind, at once.
/// </summary>
public sealed class NonRegularFileTests : IDisposable
{
    private static readonly TimeSpan NotAHang = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static byte[] Shard(string name) => Safetensors.WithTensors((name, "U8", "[2]", 0L, 2L));

    [Fact]
    public async Task Open_NamedPipe_IsRefusedWithoutWaitingForAWriter()
    {
        var pipe = MakeFifo("model.safetensors");

        var error = await OpenFailsPromptly(pipe, pipe);

        Assert.Equal(FormatRule.NotARegularFile, error.Rule);
        Assert.Equal($"{pipe}: is a named pipe (FIFO), not a regular file: only regular files are read as shards or indexes; point at the checkpoint's .safetensors files or their folder", error.Message);
    }

    [Fact]
    public async Task Open_DirectoryHoldingANamedPipeShard_NamesThePipe()
    {
        _directory.Write("model-1.safetensors", Shard("a"));
        var pipe = MakeFifo("model-2.safetensors");

        var error = await OpenFailsPromptly(_directory.Path, pipe);

        Assert.Equal(FormatRule.NotARegularFile, error.Rule);
        Assert.Equal(pipe, error.FilePath);
    }

    [Fact]
    public async Task Open_IndexThatIsANamedPipe_IsRefused()
    {
        var pipe = MakeFifo("model.safetensors.index.json");

        var error = await OpenFailsPromptly(_directory.Path, pipe);

        Assert.Equal(FormatRule.NotARegularFile, error.Rule);
        Assert.Equal(pipe, error.FilePath);
    }

    [Fact]
    public async Task Open_IndexNamingANamedPipe_SaysWhatTheShardIs()
    {
        MakeFifo("model-1.safetensors");
        var index = _directory.Write("model.safetensors.index.json", "{\"weight_map\":{\"a\":\"model-1.safetensors\"}}");

        var error = await OpenFailsPromptly(index, index);

        Assert.Equal(FormatRule.NotARegularFile, error.Rule);
        Assert.Contains("shard 'model-1.safetensors' (holding 'a' among others) is a named pipe (FIFO)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_IndexNamingADirectory_SaysItIsADirectory()
    {
        Directory.CreateDirectory(Path.Combine(_directory.Path, "model-1.safetensors"));
        var index = _directory.Write("model.safetensors.index.json", "{\"weight_map\":{\"a\":\"model-1.safetensors\"}}");

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(index));

        Assert.Equal(FormatRule.NotARegularFile, error.Rule);
        Assert.Contains("shard 'model-1.safetensors' (holding 'a' among others) is a directory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_DirectoryWithAFolderNamedLikeTheIndex_RefusesIt_InsteadOfIgnoringIt()
    {
        _directory.Write("model.safetensors", Shard("a"));
        var folder = Directory.CreateDirectory(Path.Combine(_directory.Path, "model.safetensors.index.json")).FullName;

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(_directory.Path));

        Assert.Equal(FormatRule.NotARegularFile, error.Rule);
        Assert.Equal(folder, error.FilePath);
        Assert.Contains("is a directory, not a regular file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_DirectoryWithAFolderNamedLikeAShard_RefusesIt()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_directory.Path, "d.safetensors")).FullName;

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(_directory.Path));

        Assert.Equal(FormatRule.NotARegularFile, error.Rule);
        Assert.Equal(folder, error.FilePath);
    }

    [Theory]
    [InlineData("/dev/zero", "a character device")]
    [InlineData("/dev/null", "a character device")]
    [InlineData("/proc/self/maps", "a file of a kernel pseudo-file system (procfs, sysfs, ...)")]
    [InlineData("/proc/self/status", "a file of a kernel pseudo-file system (procfs, sysfs, ...)")]
    [InlineData("/sys/kernel/mm/transparent_hugepage/enabled", "a file of a kernel pseudo-file system (procfs, sysfs, ...)")]
    public void Open_DeviceOrPseudoFile_IsRefusedByKind(string path, string kind)
    {
        Prerequisites.RequireLinux();
        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(path));

        Assert.Equal(FormatRule.NotARegularFile, error.Rule);
        Assert.StartsWith($"{path}: is {kind}, not a regular file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_SymbolicLinkToNothing_SaysWhereItPoints()
    {
        var link = Path.Combine(_directory.Path, "model.safetensors");
        File.CreateSymbolicLink(link, "../blobs/0123abcd");

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Open(link));

        Assert.Equal(FormatRule.NotARegularFile, error.Rule);
        Assert.Contains("is a symbolic link to", error.Message, StringComparison.Ordinal);
        Assert.Contains("blobs/0123abcd, which does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_SymbolicLinkToARegularShard_IsFollowed()
    {
        var target = _directory.Write("blob", Shard("a"));
        var link = Path.Combine(_directory.Path, "model.safetensors");
        File.CreateSymbolicLink(link, target);

        using var checkpoint = Checkpoint.Open(link);

        Assert.Equal(["a"], checkpoint.Tensors.Select(tensor => tensor.Name));
    }

    private string MakeFifo(string name)
    {
        Prerequisites.RequireLinux();
        var path = Path.Combine(_directory.Path, name);
        using var mkfifo = Process.Start("mkfifo", path);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }

    /// <summary>Opens <paramref name="path"/> expecting a refusal; a blocked open is released by opening <paramref name="pipe"/> for writing, and fails the test.</summary>
    private static async Task<CheckpointFormatException> OpenFailsPromptly(string path, string pipe)
    {
        var open = Task.Run(() => Checkpoint.Open(path).Dispose());
        if (await Task.WhenAny(open, Task.Delay(NotAHang)) != open)
        {
            // Unblock the stuck open (a writer arrives, then leaves) so the test host is not left with a blocked thread.
            await using (new FileStream(pipe, FileMode.Open, FileAccess.Write))
            {
            }

            Assert.Fail($"Opening {path} blocked on the named pipe {pipe} instead of refusing it");
        }

        return await Assert.ThrowsAsync<CheckpointFormatException>(() => open);
    }
}
