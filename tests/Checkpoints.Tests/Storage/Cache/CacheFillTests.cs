using Checkpoints.Loading.Prefetch;
using Checkpoints.Storage.Cache;
using Checkpoints.Tests.TestSupport;


namespace Checkpoints.Tests.Storage.Cache;

public sealed class CacheFillTests : IDisposable
{
    private const int Size = 8 << 20;

    private readonly EvictableFile _evictable;

    public CacheFillTests()
    {
        Prerequisites.RequireLinux();
        _evictable = new EvictableFile("cache-fill", Size, seed: 7);
    }

    private string FilePath => _evictable.Path;

    public void Dispose() => _evictable.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TryFill_BringsTheRangeIntoTheCache(bool touchPages)
    {
        Assert.True(PageCache.Evict(FilePath));
        using var handle = File.OpenHandle(FilePath);

        // An offset off the page grid: the fill widens down to the page. Read-ahead may add what follows the range.
        var filled = CacheFill.TryFill(handle, FilePath, (2 << 20) + 100, 2 << 20, touchPages);

        Assert.True(filled);
        var cached = PageCache.CreateDefault().GetResidency(FilePath).CachedBytes!.Value;
        Assert.InRange(cached, 2 << 20, Size);
    }

    [Fact]
    public void TryFill_PastTheEndOfTheFile_FailsNamingFileAndOffset()
    {
        using var handle = File.OpenHandle(FilePath);

        var error = Assert.Throws<IOException>(() => CacheFill.TryFill(handle, FilePath, Size - 4096, 1 << 20, touchPages: true));

        Assert.Contains(FilePath, error.Message, StringComparison.Ordinal);
        Assert.Contains($"at byte {Size - 4096}", error.Message, StringComparison.Ordinal);
        Assert.Contains("shorter", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FileBlockReader_WarmsEveryBlock_ByMappingOrByReading(bool fillByMapping)
    {
        Assert.True(PageCache.Evict(FilePath));
        using var reader = new FileBlockReader([FilePath], [true], fillByMapping);
        var scratch = new byte[1 << 20];

        long done = 0;
        for (long offset = 0; offset < Size; offset += scratch.Length)
        {
            done += reader.Read(0, scratch, offset);
        }

        Assert.Equal(Size, done);
        Assert.Equal(Size, PageCache.CreateDefault().GetResidency(FilePath).CachedBytes);
    }
}
