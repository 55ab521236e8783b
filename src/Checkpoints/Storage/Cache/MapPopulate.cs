using Checkpoints.Interop;


namespace Checkpoints.Storage.Cache;

/// <summary>
/// <c>MADV_POPULATE_READ</c> (Linux 5.14): the kernel reads whatever of a mapped range is not cached and maps every page
/// of it, and a page it cannot read comes back as an error code where touching it would have raised SIGBUS.
/// </summary>
internal static class MapPopulate
{
    /// <summary>The error for a page that could not be read: past the end of the file, or the storage failed.</summary>
    public const int EFault = 14;

    /// <summary>The error of a kernel that does not know the advice.</summary>
    public const int EInval = 22;

    private static readonly Lazy<bool> Supported = new(Probe);

    /// <summary>Whether this kernel populates mappings; false off Linux.</summary>
    public static bool IsSupported => Supported.Value;

    /// <summary>Populates [<paramref name="address"/>, + <paramref name="size"/>), page aligned; returns 0 or the error number.</summary>
    public static int Populate(nint address, nuint size) =>
        Libc.MAdvise(address, size, Libc.MadvPopulateRead) == 0 ? 0 : System.Runtime.InteropServices.Marshal.GetLastPInvokeError();

    /// <summary>
    /// The kernel checks the advice before the range, and an empty range is then a success: an empty call tells whether
    /// the advice is known without touching any memory.
    /// </summary>
    private static bool Probe() =>
        OperatingSystem.IsLinux() && Libc.MAdvise(Environment.SystemPageSize, 0, Libc.MadvPopulateRead) == 0;
}
