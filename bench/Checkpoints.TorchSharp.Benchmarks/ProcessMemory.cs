using System.Globalization;

namespace Checkpoints.TorchSharp.Benchmarks;

/// <summary>This process's resident memory from /proc/self/status, and the kernel's reset of its peak.</summary>
internal readonly record struct ProcessMemory(long ResidentBytes, long PeakResidentBytes)
{
    public static ProcessMemory Read()
    {
        long resident = 0, peak = 0;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                resident = Kilobytes(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line);
            }
        }

        return new ProcessMemory(resident, peak);
    }

    /// <summary>
    /// Sets the peak (VmHWM) back to the current resident size (writing 5 to clear_refs, Linux 4.0+), so the next
    /// <see cref="Read"/> gives the peak of what came after: the load's, not the module construction's.
    /// </summary>
    public static void ResetPeak() => File.WriteAllText("/proc/self/clear_refs", "5");

    private static long Kilobytes(string line) =>
        long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
}
