namespace Checkpoints.Tests.TestSupport;

/// <summary>
/// A file of random bytes whose pages can be dropped from the page cache: under the test output folder, a local disk
/// (tmpfs pages cannot be evicted), and flushed, since dirty pages are not dropped. Deleted on dispose.
/// </summary>
internal sealed class EvictableFile : IDisposable
{
    public EvictableFile(string prefix, int size, int seed)
    {
        Path = System.IO.Path.Combine(AppContext.BaseDirectory, $"{prefix}-{Guid.NewGuid():N}.bin");
        using var stream = new FileStream(Path, FileMode.CreateNew, FileAccess.Write);
        var data = new byte[size];
        new Random(seed).NextBytes(data);
        stream.Write(data);
        stream.Flush(flushToDisk: true);
    }

    public string Path { get; }

    public void Dispose() => File.Delete(Path);
}
