namespace Checkpoints.Storage.Cache;

/// <summary>The <c>posix_fadvise</c> advice the loader gives.</summary>
internal enum CacheAdvice
{
    /// <summary><c>POSIX_FADV_SEQUENTIAL</c>: larger read-ahead. Belongs to the open file description, so it only helps reads through the same handle.</summary>
    Sequential,

    /// <summary><c>POSIX_FADV_WILLNEED</c>: start reading the range into the page cache now, without waiting.</summary>
    WillNeed,

    /// <summary><c>POSIX_FADV_DONTNEED</c>: drop the range's clean pages from the page cache. Dirty pages are not dropped (they stay until written back).</summary>
    DontNeed,
}
