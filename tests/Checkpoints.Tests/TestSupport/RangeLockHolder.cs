using System.Diagnostics;
using Checkpoints.Storage.Locks;

namespace Checkpoints.Tests.TestSupport;

/// <summary>
/// Another process holding a byte range of a lock file, as a prefetch in another process would: a perl one-liner
/// (perl-base is on every Debian system) that opens the lock file, takes an open file description write lock over the
/// range (<c>fcntl</c> <c>F_OFD_SETLK</c>), and sleeps, never letting go. Killed on dispose, which drops the lock.
/// </summary>
internal sealed class RangeLockHolder : IDisposable
{
    // struct flock on 64-bit Linux: short l_type, short l_whence, padding, off_t l_start, off_t l_len, pid_t l_pid, padding.
    private const string Script = """
        use Fcntl;
        sysopen(my $f, $ARGV[0], O_RDWR | O_CREAT, 0666) or die "open $ARGV[0]: $!";
        fcntl($f, 37, pack("s s x4 q q i x4", 1, 0, $ARGV[1], $ARGV[2], 0)) or die "F_OFD_SETLK: $!";
        sleep 300;
        """;

    private RangeLockHolder(Process process) => Process = process;

    public Process Process { get; }

    /// <summary>Holds [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>) of <paramref name="lockFile"/> (created if missing), once the kernel shows it held.</summary>
    public static RangeLockHolder Hold(string lockFile, long start, long length)
    {
        var info = new ProcessStartInfo("perl", ["-e", Script, lockFile, start.ToString(System.Globalization.CultureInfo.InvariantCulture), length.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
        };
        var holder = new RangeLockHolder(Process.Start(info)!);
        var expected = $"pid {holder.Process.Id} (perl)";
        if (!SpinWait.SpinUntil(() => holder.Process.HasExited || NodeLockHolder.Describe(lockFile, start, length) == expected, TimeSpan.FromSeconds(60))
            || holder.Process.HasExited)
        {
            var error = holder.Process.HasExited ? holder.Process.StandardError.ReadToEnd() : "still running";
            holder.Dispose();
            Assert.Fail($"perl never took bytes [{start}, {start + length}) of {lockFile}: {error}");
        }

        return holder;
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
        }

        Process.Dispose();
    }
}
