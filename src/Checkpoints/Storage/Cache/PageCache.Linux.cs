using System.Globalization;
using System.Runtime.InteropServices;
using Checkpoints.Interop;
using Microsoft.Win32.SafeHandles;

namespace Checkpoints.Storage.Cache;

internal sealed partial class PageCache
{
    private const int CapFowner = 3;
    private const int ENoSys = 38;
    private const int EPerm = 1;
    private const int EInval = 22;
    private const int ERoFs = 30;

    /// <summary>mincore is asked about this many bytes at a time, so its vector stays small (256 KiB for 4 KiB pages).</summary>
    private const long MincoreWindow = 1L << 30;

    private FileResidency GetResidencyLinux(string path, SafeFileHandle handle, long size, bool allowCachestat, CancellationToken cancellationToken)
    {
        if (size == 0)
        {
            return new FileResidency(path, 0, 0, ResidencyMethod.Cachestat, "the file is empty");
        }

        string? fallback = null;
        if (allowCachestat && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64)
        {
            var (cached, errno) = Cachestat(handle, 0, 0);
            if (cached is { } pages)
            {
                return new FileResidency(path, size, Math.Min(size, pages * Environment.SystemPageSize), ResidencyMethod.Cachestat, null);
            }

            if (errno == EPerm)
            {
                // Kernels that restrict cachestat apply mincore's rule; mincore would only lie.
                return new FileResidency(path, size, null, ResidencyMethod.Unknown,
                    "cachestat refused (EPERM): this process neither owns the file nor may write it, and the kernel hides its page cache state");
            }

            fallback = errno == ENoSys ? "cachestat is not in this kernel (before 6.5); used mincore" : $"cachestat failed ({Marshal.GetPInvokeErrorMessage(errno)}); used mincore";
        }

        if (!MincoreIsTruthful(CallerOwns(path), CallerHasCapability(CapFowner), CallerCanWrite(path)))
        {
            return new FileResidency(path, size, null, ResidencyMethod.Unknown,
                "this process neither owns the file nor may write it, so mincore would report every page resident (Linux 5.2+)");
        }

        var resident = Mincore(handle, path, 0, size, cancellationToken);
        return new FileResidency(path, size, resident, ResidencyMethod.Mincore, fallback);
    }

    /// <summary>The bytes of a range of a file in the page cache, by the same rules as <see cref="GetResidencyLinux"/>; null when unknown.</summary>
    private long? GetCachedBytesLinux(SafeFileHandle handle, string path, long offset, long length, bool allowCachestat)
    {
        // Only the part of the range inside the file can be cached (a file that shrank since its blocks were planned).
        var size = RandomAccess.GetLength(handle);
        var end = offset >= size ? offset : offset + Math.Min(length, size - offset);
        if (end == offset)
        {
            return 0;
        }

        if (allowCachestat && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64)
        {
            var (cached, errno) = Cachestat(handle, offset, end - offset);
            if (cached is { } pages)
            {
                // Pages the range only starts or ends in count whole: at most the range.
                return Math.Min(end - offset, pages * Environment.SystemPageSize);
            }

            if (errno == EPerm)
            {
                return null; // See GetResidencyLinux: mincore would only lie.
            }
        }

        return MincoreIsTruthful(CallerOwns(path), CallerHasCapability(CapFowner), CallerCanWrite(path))
            ? Mincore(handle, path, offset, end - offset, CancellationToken.None)
            : null;
    }

    /// <summary>
    /// Whether every page of [<paramref name="offset"/>, + <paramref name="length"/>) is in the page cache, asked of the
    /// kernel in one call (<c>cachestat</c>, Linux 6.5); false when that cannot be known. Cheap enough to ask before every
    /// block a prefetch reads.
    /// </summary>
    internal static bool IsCached(SafeFileHandle handle, long offset, long length)
    {
        if (!OperatingSystem.IsLinux() || length <= 0 || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64))
        {
            return false;
        }

        var pageSize = Environment.SystemPageSize;
        var pages = ((offset + length + pageSize - 1) / pageSize) - (offset / pageSize);
        return Cachestat(handle, offset, length).Pages is { } cached && cached >= pages;
    }

    /// <summary>Pages of [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) in the page cache; a length of 0 means to the end of the file.</summary>
    private static unsafe (long? Pages, int Errno) Cachestat(SafeFileHandle handle, long offset, long length)
    {
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var range = new Libc.CachestatRange { Offset = (ulong)offset, Length = (ulong)length };
            Libc.CachestatResult result;
            var rc = Libc.Cachestat(Libc.SysCachestat, (uint)handle.DangerousGetHandle(), &range, &result, 0);
            return rc == 0 ? ((long)result.Cache, 0) : (null, Marshal.GetLastPInvokeError());
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Bytes of [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) in the page cache, from
    /// a mapping of just that range (from the page it starts in: a mapping's offset must be page-aligned), in whole pages.
    /// </summary>
    private static unsafe long Mincore(SafeFileHandle handle, string path, long start, long count, CancellationToken cancellationToken)
    {
        var pageSize = Environment.SystemPageSize;
        var mapStart = start - (start % pageSize);
        var size = start + count - mapStart;
        var added = false;
        var address = Libc.MapFailed;
        try
        {
            handle.DangerousAddRef(ref added);
            address = Libc.MMap(0, (nuint)size, Libc.ProtRead, Libc.MapShared, (int)handle.DangerousGetHandle(), mapStart);
            if (address == Libc.MapFailed)
            {
                throw new IOException($"Cannot map '{path}' to measure its page cache residency: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");
            }

            var vector = new byte[(int)(MincoreWindow / pageSize)];
            long residentPages = 0;
            for (long offset = 0; offset < size; offset += MincoreWindow)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var length = Math.Min(MincoreWindow, size - offset);
                fixed (byte* v = vector)
                {
                    if (Libc.Mincore(address + (nint)offset, (nuint)length, v) != 0)
                    {
                        throw new IOException($"mincore failed on '{path}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");
                    }
                }

                var pages = (int)((length + pageSize - 1) / pageSize);
                for (var i = 0; i < pages; i++)
                {
                    residentPages += vector[i] & 1;
                }
            }

            return Math.Min(count, residentPages * pageSize);
        }
        finally
        {
            if (address != Libc.MapFailed)
            {
                _ = Libc.MUnmap(address, (nuint)size);
            }

            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static void WriteBackLinux(SafeFileHandle handle, string path)
    {
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            // EROFS and EINVAL: a read-only or special file system has nothing to write back.
            if (Libc.FDataSync((int)handle.DangerousGetHandle()) != 0 && Marshal.GetLastPInvokeError() is var errno && errno is not (ERoFs or EInval))
            {
                throw new IOException($"{path}: writing back its dirty pages before evicting failed: {Marshal.GetPInvokeErrorMessage(errno)}");
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static bool AdviseLinux(SafeFileHandle handle, string path, long offset, long length, CacheAdvice advice)
    {
        var code = advice switch
        {
            CacheAdvice.Sequential => Libc.PosixFadvSequential,
            CacheAdvice.WillNeed => Libc.PosixFadvWillNeed,
            CacheAdvice.DontNeed => Libc.PosixFadvDontNeed,
            _ => throw new ArgumentOutOfRangeException(nameof(advice), advice, null),
        };
        var added = false;
        int error;
        try
        {
            handle.DangerousAddRef(ref added);
            error = Libc.PosixFadvise((int)handle.DangerousGetHandle(), offset, length, code);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }

        if (error != 0)
        {
            throw new IOException($"posix_fadvise({advice}) failed on '{path}': {Marshal.GetPInvokeErrorMessage(error)}.", error);
        }

        return true;
    }

    private static unsafe bool CallerOwns(string path)
    {
        Libc.StatxBuffer buffer;
        return Libc.Statx(Libc.AtFdCwd, path, 0, Libc.StatxBasicStats, &buffer) == 0 && buffer.Uid == Libc.GetEUid();
    }

    private static bool CallerCanWrite(string path) => Libc.FAccessAt(Libc.AtFdCwd, path, Libc.WOk, Libc.AtEAccess) == 0;

    /// <summary>Reads <c>CapEff</c> from <c>{ProcRoot}/self/status</c>.</summary>
    private bool CallerHasCapability(int capability)
    {
        try
        {
            foreach (var line in File.ReadLines(Path.Combine(ProcRoot, "self", "status")))
            {
                if (line.StartsWith("CapEff:", StringComparison.Ordinal)
                    && ulong.TryParse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var mask))
                {
                    return (mask & (1UL << capability)) != 0;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return false;
    }
}
