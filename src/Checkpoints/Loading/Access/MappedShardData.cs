using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using Checkpoints.Files;
using Checkpoints.Format;
using Checkpoints.Interop;
using Checkpoints.Loading.Planning;
using Checkpoints.Loading.Reading;
using Checkpoints.Selection;
using Checkpoints.Storage.Cache;
using Checkpoints.Units;

namespace Checkpoints.Loading.Access;

/// <summary>
/// A shard mapped read-only into the address space: zero-copy, and page faults do the I/O. The file handle is closed
/// as soon as the map exists (the map keeps the file), so thousands of mapped shards hold no descriptors.
/// </summary>
/// <remarks>
/// A page that cannot be read (an I/O error, or a file truncated under the map) raises SIGBUS, which kills the
/// process. Every access first checks that the file is still the one opened, which catches a truncation or replacement
/// between tensors; one racing the access itself is not caught (only reads, <see cref="ShardAccess.Read"/>, are safe from
/// that). On storage that can fail the map is populated before its bytes are handed out (<see cref="MapPopulation"/>).
/// </remarks>
internal sealed unsafe class MappedShardData : ShardData
{
    private readonly string _path;
    private readonly FileIdentity _opened;
    private readonly byte* _base;
    private readonly MemoryMappedFile? _windowsFile;
    private readonly MemoryMappedViewAccessor? _windowsView;
    private MapPopulation? _population;
    private StridedReads? _stridedReads;
    private int _disposed;

    private MappedShardData(string path, FileIdentity opened, byte* address, MemoryMappedFile? windowsFile, MemoryMappedViewAccessor? windowsView)
    {
        _path = path;
        _opened = opened;
        _base = address;
        _windowsFile = windowsFile;
        _windowsView = windowsView;
    }

    public override long Length => _opened.Length;

    /// <summary>Maps <paramref name="path"/>, refusing when it is no longer the file opened as <paramref name="opened"/>.</summary>
    /// <exception cref="IOException">The file changed, or cannot be mapped (the message names the limit to raise).</exception>
    public static MappedShardData Open(string path, FileIdentity opened)
    {
        using var handle = ShardChanged.OpenUnchanged(path, opened);
        if (OperatingSystem.IsWindows())
        {
            return OpenOnWindows(handle, path, opened);
        }

        var address = Libc.MMap(0, (nuint)opened.Length, Libc.ProtRead, Libc.MapShared, (int)handle.DangerousGetHandle(), 0);
        if (address == Libc.MapFailed)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"{path}: mapping {Units.ByteSize.Format(opened.Length)} failed: {Marshal.GetPInvokeErrorMessage(errno)}{MapLimits.Explain(errno, opened.Length)}");
        }

        return new MappedShardData(path, opened, (byte*)address, null, null);
    }

    /// <summary>
    /// Maps the shard, populating each range through <paramref name="settings"/>' pool before handing it out
    /// (<see cref="MapPopulation"/>, Linux 5.14 or later: see <see cref="MapPopulate.IsSupported"/>).
    /// </summary>
    /// <exception cref="IOException">The file changed, or cannot be mapped.</exception>
    /// <remarks>
    /// Large tensors are populated 64 MiB at a time (a map has no array-size limit to respect): a consumer copying a
    /// tensor out piece by piece then holds a few such pieces mapped, not the whole tensor.
    /// </remarks>
    public static MappedShardData OpenPopulated(ShardHeader header, FileIdentity opened, ReadSettings settings) =>
        OpenPopulated(header, opened, settings, ShardSegments.Plan(header, ShardSegments.ReadGroupBytes, ShardSegments.ReadGroupBytes));

    /// <summary>As <see cref="OpenPopulated(ShardHeader, FileIdentity, ReadSettings)"/>, with the segments given (tests use small ones).</summary>
    internal static MappedShardData OpenPopulated(ShardHeader header, FileIdentity opened, ReadSettings settings, ShardSegments segments)
    {
        // On the read pool, under the timeout: on a network file system the open is a round trip that a stalled server holds.
        var path = header.FilePath;
        var data = settings.Wait(path, "it was being opened", abandon =>
            settings.OpenOnPool(OpeningDescription(header), header.DataStart, () => Open(path, opened), abandon));
        return data.Populated(header, settings, segments);
    }

    /// <summary>What opening a shard to map it is called in an error or a timeout (it runs on the read pool).</summary>
    public static string OpeningDescription(ShardHeader header) => $"{header.FilePath}: opening it to map its data at byte {Invariant.N(header.DataStart)}";

    /// <summary>
    /// Guards this map, opened with <see cref="Open"/> (on the read pool, ahead of use), as <see cref="OpenPopulated(ShardHeader, FileIdentity, ReadSettings)"/>
    /// does: from here on each range is populated before it is handed out. Returns this map.
    /// </summary>
    public MappedShardData Populated(ShardHeader header, ReadSettings settings) =>
        Populated(header, settings, ShardSegments.Plan(header, ShardSegments.ReadGroupBytes, ShardSegments.ChunkBytes));

    /// <summary>As <see cref="Populated(ShardHeader, ReadSettings)"/>, populating <paramref name="segments"/> (a selection's pieces) rather than every tensor.</summary>
    internal MappedShardData Populated(ShardHeader header, ReadSettings settings, ShardSegments segments)
    {
        // Before any span is handed out: the consumer takes the map only after this returns.
        _population = new MapPopulation(header, _opened, (nint)_base, settings, segments);
        _stridedReads = new StridedReads(_path, _opened, settings);
        return this;
    }

    public override ReadOnlySpan<byte> GetSpan(long offset, int length)
    {
        // Narrows, without closing, the window for a reader racing Dispose: never a span over an unmapped view once seen.
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        // A page past a truncated end would raise SIGBUS: a changed file is an error before its bytes are touched.
        if (_population is { } population)
        {
            // Checks the file on the read pool, under the timeout, when it populates.
            population.Ensure(offset, length);
        }
        else
        {
            ShardChanged.ThrowIfChanged(_path, _opened);
        }

        return new(_base + offset, length);
    }

    /// <summary>
    /// Copies through the map, then drops the whole pages copied from this process's page tables (<c>MADV_DONTNEED</c>):
    /// the page cache keeps them, but a consumer that copies every tensor out does not hold the checkpoint a second time
    /// in its resident memory. A page touched again maps back in from the cache.
    /// </summary>
    public override void CopyTo(long offset, Span<byte> destination)
    {
        GetSpan(offset, destination.Length).CopyTo(destination);
        if (OperatingSystem.IsLinux())
        {
            AdviseWholePages(offset, destination.Length, Libc.MadvDontNeed);
        }
    }

    /// <summary>
    /// A guarded map gathers strided slices by reads (<see cref="StridedReads"/>): mapping the span that covers the
    /// pieces would map every page of the gaps too. An unguarded map copies from the map as any span.
    /// </summary>
    public override int Gather(SliceGeometry slice, long start, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _stridedReads is { } reads ? reads.Gather(slice, start, destination) : base.Gather(slice, start, destination);
    }

    /// <summary>Lets go of the descriptor strided reads hold; the map stays.</summary>
    public override void Park() => _stridedReads?.Park();

    /// <summary>
    /// Pages the range out of this process and out of the page cache (<c>MADV_PAGEOUT</c>). Pages the consumer has read
    /// through the map stay "active" and would otherwise be kept, while pages the prefetcher read for what comes next
    /// are still "inactive" and are reclaimed first: under a memory limit the prefetch would evict its own work.
    /// </summary>
    public override void ReleaseBehind(long offset, long length)
    {
        if (OperatingSystem.IsLinux() && Volatile.Read(ref _disposed) == 0)
        {
            // A kernel without MADV_PAGEOUT (before 5.4) refuses it; the hint is then simply not given.
            AdviseWholePages(offset, length, Libc.MadvPageout);
        }
    }

    /// <summary>
    /// Gives <paramref name="advice"/> for the whole pages inside [<paramref name="offset"/>, + <paramref name="length"/>):
    /// a page the range only partly covers may hold bytes someone still reads. Populated pages given up are forgotten,
    /// so a later read populates them again.
    /// </summary>
    private void AdviseWholePages(long offset, long length, int advice)
    {
        var page = Environment.SystemPageSize;
        var start = (offset + page - 1) / page * page;
        var end = Math.Min(offset + length, Length) / page * page;
        if (end > start)
        {
            _ = Libc.MAdvise((nint)(_base + start), (nuint)(end - start), advice);
            _population?.Forget(start, end - start);
        }
    }

    public override bool IsAligned(long offset, int alignment) => (nuint)(_base + offset) % (nuint)alignment == 0;

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_windowsView is not null)
        {
            _windowsView.SafeMemoryMappedViewHandle.ReleasePointer();
            _windowsView.Dispose();
            _windowsFile!.Dispose();
        }
        else if (_base is not null)
        {
            _ = Libc.MUnmap((nint)_base, (nuint)_opened.Length);
        }

        _stridedReads?.Dispose();
    }

    /// <summary>Maps the handle that was just checked (so the file mapped is the one checked); the mapping keeps the file, the handle may close.</summary>
    private static MappedShardData OpenOnWindows(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string path, FileIdentity opened)
    {
        var file = MemoryMappedFile.CreateFromFile(handle, mapName: null, capacity: 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        try
        {
            var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            return new MappedShardData(path, opened, pointer + view.PointerOffset, file, view);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }
}
