using Checkpoints.Loading;
using Checkpoints.Storage;
using Checkpoints.Tests.TestSupport;

namespace Checkpoints.Tests.Storage;

public sealed class CacheFillTests : IDisposable
{
    private const int Size = 8 << 20;

    private readonly string _file;

    public CacheFillTests()
    {
        Prerequisites.RequireLinux();
        // Under the repository's output folder: a local disk, not tmpfs (tmpfs pages cannot be evicted).
        _file = Path.Combine(AppContext.BaseDirectory, $"cache-fill-{Guid.NewGuid():N}.bin");
        using var stream = new FileStream(_file, FileMode.CreateNew, FileAccess.Write);
        var data = new byte[Size];
        new Random(7).NextBytes(data);
        stream.Write(data);
        stream.Flush(flushToDisk: true);
    }

    public void Dispose() => File.Delete(_file);

    [Fact]
    public void TryFill_BringsTheRangeIntoTheCache()
    {
        Assert.True(PageCache.Evict(_file));
        using var handle = File.OpenHandle(_file);

        // An offset off the page grid: the fill widens down to the page. Read-ahead may add what follows the range.
        var filled = CacheFill.TryFill(handle, _file, (2 << 20) + 100, 2 << 20);

        Assert.True(filled);
        var cached = PageCache.CreateDefault().GetResidency(_file).CachedBytes!.Value;
        Assert.InRange(cached, 2 << 20, Size);
    }

    [Fact]
    public void TryFill_PastTheEndOfTheFile_FailsNamingFileAndOffset()
    {
        using var handle = File.OpenHandle(_file);

        var error = Assert.Throws<IOException>(() => CacheFill.TryFill(handle, _file, Size - 4096, 1 << 20));

        Assert.Contains(_file, error.Message, StringComparison.Ordinal);
        Assert.Contains($"at byte {Size - 4096}", error.Message, StringComparison.Ordinal);
        Assert.Contains("shorter", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FileBlockReader_WarmsEveryBlock_ByMappingOrByReading(bool fillByMapping)
    {
        Assert.True(PageCache.Evict(_file));
        using var reader = new FileBlockReader([_file], [fillByMapping]);
        var scratch = new byte[1 << 20];

        long done = 0;
        for (long offset = 0; offset < Size; offset += scratch.Length)
        {
            done += reader.Read(0, scratch, offset);
        }

        Assert.Equal(Size, done);
        Assert.Equal(Size, PageCache.CreateDefault().GetResidency(_file).CachedBytes);
    }
}
