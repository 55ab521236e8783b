using Checkpoints.Interop;
using Checkpoints.Storage.Locks;
using Checkpoints.Tests.TestSupport;

namespace Checkpoints.Tests.Storage.Locks;

/// <summary>Naming who holds a range of a lock file, from a fixture of <c>/proc</c> (the real one is in <see cref="NodeRangeLockTests"/>).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class NodeLockHolderTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly string _lockFile;
    private readonly string _key;

    public NodeLockHolderTests()
    {
        _lockFile = _directory.Write("lock", []);
        var status = Checkpoints.Files.FileStatus.Describe(Libc.AtFdCwd, _lockFile, Libc.AtSymlinkNoFollow, _lockFile);
        _key = $"{status.DevMajor:x2}:{status.DevMinor:x2}:{status.Inode}";
        // A process with another file open, and one with the lock file open as descriptor 7.
        Process(17, "bash", (3, _directory.Write("other", []), string.Empty));
    }

    private string Proc => _directory.File("proc");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Describe_NamesTheProcessWhoseOpenHoldsTheRange_ForAnOfdLockWithoutAPid()
    {
        Locks($"1: OFDLCK ADVISORY  WRITE -1 {_key} 1000 1999", $"2: OFDLCK ADVISORY  WRITE -1 {_key} 4000 EOF");
        Process(4242, "python3", (7, _lockFile, $"pos:\t0\nflags:\t02100002\nlock:\t1: OFDLCK ADVISORY  WRITE -1 {_key} 1000 1999\n"));
        Process(5151, "ckpt", (4, _lockFile, $"pos:\t0\nlock:\t2: OFDLCK ADVISORY  WRITE -1 {_key} 4000 EOF\n"));

        Assert.Equal("pid 4242 (python3)", NodeLockHolder.Describe(_lockFile, 1_500, 100, Proc));
        Assert.Equal("pid 5151 (ckpt)", NodeLockHolder.Describe(_lockFile, 9_000, 100, Proc));
    }

    [Fact]
    public void Describe_IsNull_WhenNoGrantedLockOverlapsTheRange()
    {
        // A range ending just before, a waiter, an flock (which never conflicts with a record lock), another file.
        Locks($"1: OFDLCK ADVISORY  WRITE -1 {_key} 1000 1999", $"1: -> OFDLCK ADVISORY  WRITE -1 {_key} 2000 2999",
            $"3: FLOCK  ADVISORY  WRITE 99 {_key} 0 EOF", "4: OFDLCK ADVISORY  WRITE -1 fe:00:1 2000 2999");
        Process(4242, "python3", (7, _lockFile, $"lock:\t1: OFDLCK ADVISORY  WRITE -1 {_key} 1000 1999\n"));

        Assert.Null(NodeLockHolder.Describe(_lockFile, 2_000, 1_000, Proc));
    }

    [Fact]
    public void Describe_IgnoresASweep_WhichHoldsNothingAnybodyWaitsFor()
    {
        // A holder deleting the lock file as it lets go locks [0, long.MaxValue) for a moment.
        Locks($"1: OFDLCK ADVISORY  WRITE -1 {_key} 0 {long.MaxValue - 1}");
        Process(4242, "ckpt", (7, _lockFile, $"lock:\t1: OFDLCK ADVISORY  WRITE -1 {_key} 0 {long.MaxValue - 1}\n"));

        Assert.Null(NodeLockHolder.Describe(_lockFile, 1_000, 100, Proc));
    }

    [Fact]
    public void Describe_SaysTheHolderIsHidden_WhenNoDescriptorOfItIsVisible()
    {
        // Another user's process to a user who is not root, or a process in another container.
        Locks($"1: OFDLCK ADVISORY  WRITE -1 {_key} 0 99");

        Assert.Equal(NodeLockHolder.Unnamed, NodeLockHolder.Describe(_lockFile, 0, 100, Proc));
    }

    [Fact]
    public void Describe_NamesTheProcessOfAClassicRecordLock_FromItsPid()
    {
        Locks($"1: POSIX  ADVISORY  WRITE 3131 {_key} 0 EOF");
        Directory.CreateDirectory(Path.Combine(Proc, "3131"));
        File.WriteAllText(Path.Combine(Proc, "3131", "comm"), "sqlite3\n");

        Assert.Equal("pid 3131 (sqlite3)", NodeLockHolder.Describe(_lockFile, 100, 100, Proc));
    }

    [Fact]
    public void Describe_IsNull_WhenTheLockFileIsGone()
    {
        Locks($"1: OFDLCK ADVISORY  WRITE -1 {_key} 0 99");
        File.Delete(_lockFile);

        Assert.Null(NodeLockHolder.Describe(_lockFile, 0, 100, Proc));
    }

    private void Locks(params string[] lines)
    {
        Directory.CreateDirectory(Proc);
        File.WriteAllText(Path.Combine(Proc, "locks"), string.Join('\n', lines) + "\n");
    }

    /// <summary>A process in the fixture: its command and its descriptors (a link to the open file, and its fdinfo).</summary>
    private void Process(int pid, string command, params (int Fd, string Target, string Info)[] descriptors)
    {
        var root = Path.Combine(Proc, pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(Path.Combine(root, "fd"));
        Directory.CreateDirectory(Path.Combine(root, "fdinfo"));
        File.WriteAllText(Path.Combine(root, "comm"), command + "\n");
        foreach (var (fd, target, info) in descriptors)
        {
            File.CreateSymbolicLink(Path.Combine(root, "fd", fd.ToString(System.Globalization.CultureInfo.InvariantCulture)), target);
            File.WriteAllText(Path.Combine(root, "fdinfo", fd.ToString(System.Globalization.CultureInfo.InvariantCulture)), info);
        }
    }
}
