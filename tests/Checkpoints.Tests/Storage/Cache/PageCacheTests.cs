using System.Diagnostics;
using Checkpoints.Storage.Cache;
using Checkpoints.Tests.TestSupport;
using Microsoft.Win32.SafeHandles;

namespace Checkpoints.Tests.Storage.Cache;

public sealed class PageCacheTests : IDisposable
{
    private const int Size = 8 << 20;

    private readonly EvictableFile _evictable;

    public PageCacheTests()
    {
        Prerequisites.RequireLinux();
        _evictable = new EvictableFile("residency", Size, seed: 42);
    }

    private string FilePath => _evictable.Path;

    public void Dispose() => _evictable.Dispose();

    [Theory]
    [InlineData(true, ResidencyMethod.Cachestat)]
    [InlineData(false, ResidencyMethod.Mincore)]
    public void Residency_FallsAfterEvict_AndRisesAfterFullRead(bool allowCachestat, ResidencyMethod method)
    {
        var cache = PageCache.CreateDefault();

        Assert.True(PageCache.Evict(FilePath));
        var evicted = cache.GetResidency(FilePath, allowCachestat, CancellationToken.None);
        ReadAll(FilePath);
        var read = cache.GetResidency(FilePath, allowCachestat, CancellationToken.None);

        Assert.Equal(method, evicted.Method);
        Assert.Equal(Size, evicted.SizeBytes);
        Assert.InRange(evicted.CachedBytes!.Value, 0, Size / 20);
        Assert.InRange(read.CachedBytes!.Value, Size - (Size / 20), Size);
    }

    [Fact]
    public void WillNeed_BringsFileIntoCache()
    {
        var cache = PageCache.CreateDefault();
        PageCache.Evict(FilePath);

        Assert.True(PageCache.WillNeed(FilePath));

        // WILLNEED starts reads without waiting for them; a bounded poll sees them land.
        var watch = Stopwatch.StartNew();
        long cached;
        while ((cached = cache.GetResidency(FilePath).CachedBytes!.Value) < Size && watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(20);
        }

        Assert.Equal(Size, cached);
    }

    [Fact]
    public void Residency_IsZero_ForEmptyFile()
    {
        var empty = FilePath + ".empty";
        File.WriteAllBytes(empty, []);
        try
        {
            var residency = PageCache.CreateDefault().GetResidency(empty);

            Assert.Equal(0, residency.SizeBytes);
            Assert.Equal(0, residency.CachedBytes);
        }
        finally
        {
            File.Delete(empty);
        }
    }

    [Fact]
    public void Advise_ThrowsIOExceptionNamingFile_WhenKernelRefuses()
    {
        // posix_fadvise on a FIFO fails with ESPIPE, returned as the function's value (errno stays untouched).
        var fifo = FilePath + ".fifo";
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        try
        {
            // O_RDWR on a FIFO does not wait for a peer on Linux.
            using var handle = File.OpenHandle(fifo, FileMode.Open, FileAccess.ReadWrite);

            var e = Assert.Throws<IOException>(() => PageCache.Advise(handle, fifo, 0, 0, CacheAdvice.Sequential));

            Assert.Contains(fifo, e.Message, StringComparison.Ordinal);
            Assert.Contains("Illegal seek", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(fifo);
        }
    }

    [Fact]
    public void Advise_Sequential_SucceedsOnRegularFile()
    {
        using SafeFileHandle handle = File.OpenHandle(FilePath);

        Assert.True(PageCache.Advise(handle, FilePath, 0, 0, CacheAdvice.Sequential));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GetCachedBytes_MeasuresOnlyTheRangeAsked_OfAFilePartlyInTheCache(bool allowCachestat)
    {
        const int MiB = 1 << 20;
        var cache = PageCache.CreateDefault();
        Assert.True(PageCache.Evict(FilePath));
        using (var handle = File.OpenHandle(FilePath))
        {
            var buffer = new byte[2 * MiB];
            Assert.Equal(buffer.Length, RandomAccess.Read(handle, buffer, 2 * MiB));
        }

        // Read-ahead may have brought in some of what follows the read; nothing before it.
        Assert.InRange(cache.GetCachedBytes(FilePath, 0, 2 * MiB, allowCachestat)!.Value, 0, MiB / 16);
        Assert.Equal(2 * MiB, cache.GetCachedBytes(FilePath, 2 * MiB, 2 * MiB, allowCachestat));
        // A range that starts and ends inside pages: those count whole, but never more than the range.
        Assert.Equal(MiB + 7, cache.GetCachedBytes(FilePath, (2 * MiB) + 100, MiB + 7, allowCachestat));
        Assert.Equal(1, cache.GetCachedBytes(FilePath, (3 * MiB) + 5, 1, allowCachestat));
        // Only what is inside the file can be cached.
        Assert.Equal(0, cache.GetCachedBytes(FilePath, Size, MiB, allowCachestat));
        Assert.InRange(cache.GetCachedBytes(FilePath, Size - MiB, 10 * MiB, allowCachestat)!.Value, 0, MiB);
        Assert.Equal(0, cache.GetCachedBytes(FilePath, MiB, 0, allowCachestat));
    }

    [Fact]
    public void GetCachedBytes_OfAWholeFile_AgreesWithItsResidency()
    {
        var cache = PageCache.CreateDefault();
        Assert.True(PageCache.Evict(FilePath));
        ReadAll(FilePath);

        Assert.Equal(cache.GetResidency(FilePath).CachedBytes, cache.GetCachedBytes(FilePath, 0, Size));
    }

    [Fact]
    public void GetResidency_Throws_ForMissingFile()
    {
        Assert.Throws<FileNotFoundException>(() => PageCache.CreateDefault().GetResidency(FilePath + ".missing"));
    }

    [Theory]
    [InlineData(false, false, false, false)]
    [InlineData(true, false, false, true)]
    [InlineData(false, true, false, true)]
    [InlineData(false, false, true, true)]
    public void MincoreIsTruthful_FollowsTheKernelRule(bool owns, bool capFowner, bool canWrite, bool expected)
    {
        Assert.Equal(expected, PageCache.MincoreIsTruthful(owns, capFowner, canWrite));
    }

    private static void ReadAll(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var buffer = new byte[1 << 20];
        while (stream.Read(buffer) > 0)
        {
        }
    }
}
