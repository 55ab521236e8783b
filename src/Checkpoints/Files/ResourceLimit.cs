using Checkpoints.Interop;


namespace Checkpoints.Files;

/// <summary>A limit of this process (<c>getrlimit</c>): the soft limit in force and the hard one it may be raised to; null parts are unlimited.</summary>
internal readonly record struct ResourceLimit(long? Soft, long? Hard)
{
    /// <summary>The open-file limit (<c>ulimit -n</c>); null where it cannot be read.</summary>
    public static ResourceLimit? OpenFiles() => Read(Libc.RLimitOpenFiles);

    /// <summary>The address-space limit in bytes (<c>ulimit -v</c>, which shows KiB); null where it cannot be read.</summary>
    public static ResourceLimit? AddressSpace() => Read(Libc.RLimitAddressSpace);

    private static ResourceLimit? Read(int resource)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) || Libc.GetRLimit(resource, out var limit) != 0)
        {
            return null;
        }

        return new ResourceLimit(Finite(limit.Current), Finite(limit.Maximum));
    }

    // RLIM_INFINITY is all ones on Linux and 2^63 - 1 on macOS.
    private static long? Finite(ulong value) => value >= long.MaxValue ? null : (long)value;
}
