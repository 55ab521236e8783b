using Checkpoints.Files;
using Checkpoints.Storage.Locks;
using Checkpoints.Tests.TestSupport;

namespace Checkpoints.Tests.Storage.Locks;

// The locks are Linux only, and so are their tests.
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class NodeRangeLockTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly NodeLockDirectory _locks;
    private readonly FileIdentity _file;
    private readonly List<IDisposable> _owned = [];

    public NodeRangeLockTests()
    {
        _locks = NodeLockDirectory.OpenConfigured(Path.Combine(_directory.Path, "locks"));
        _file = SomeFile("a");
    }

    private string LockFile => NodeRangeLock.PathOf(_locks, _file);

    public void Dispose()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            owned.Dispose();
        }

        _locks.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public void TryLock_OverlappingRanges_Conflict_AndDisjointOnesDoNot_BetweenTwoHoldersInOneProcess()
    {
        var first = Ranges();
        var second = Ranges();

        Assert.True(first.TryLock(1_000, 1_000));

        // OFD locks belong to the open file: a second object in the same process is another holder.
        Assert.False(second.TryLock(1_500, 1_000));
        Assert.False(second.TryLock(0, 1_001));
        Assert.False(second.TryLock(1_999, 1));
        Assert.True(second.TryLock(0, 1_000));
        Assert.True(second.TryLock(2_000, 1_000));
    }

    [Fact]
    public void TryLock_LocksExactlyTheBytesAsked_AsTheKernelShowsThem()
    {
        // struct flock read right: the kernel's table shows the range asked for, first and last byte, as an OFD lock.
        Assert.True(Ranges().TryLock(4_096, 1_000));

        var status = FileStatus.Describe(Checkpoints.Interop.Libc.AtFdCwd, LockFile, 0, LockFile);
        var key = $"{status.DevMajor:x2}:{status.DevMinor:x2}:{status.Inode}";
        var line = Assert.Single(File.ReadLines("/proc/locks"), line => line.Contains($" {key} ", StringComparison.Ordinal));
        Assert.Matches($@"^\d+: OFDLCK +ADVISORY +WRITE +-1 {key} 4096 5095$", line);
    }

    [Fact]
    public void TryLock_AfterTheHolderLetsGo_Succeeds()
    {
        var first = Ranges();
        var second = Ranges();
        Assert.True(first.TryLock(0, 100));
        Assert.False(second.TryLock(50, 100));

        first.Unlock(0, 100);

        Assert.True(second.TryLock(50, 100));
        Assert.False(first.TryLock(0, 100));
    }

    [Fact]
    public void Dispose_OfOneHolder_DoesNotDropAnothersRanges()
    {
        // Classic fcntl locks are the process's, and closing any descriptor of the file drops them all; OFD locks are not.
        var kept = Ranges();
        Assert.True(kept.TryLock(0, 100));
        using (var closed = new NodeRangeLock(_locks, _file))
        {
            Assert.True(closed.TryLock(100, 100));
        }

        Assert.False(Ranges().TryLock(0, 50));
    }

    [Fact]
    public void TryLock_OfARangeOverlappingOneItHolds_Throws()
    {
        // The kernel would merge the two, and unlocking either would unlock the other's bytes.
        var ranges = Ranges();
        Assert.True(ranges.TryLock(0, 100));

        Assert.Throws<InvalidOperationException>(() => ranges.TryLock(99, 10));
    }

    [Fact]
    public void TheLockFile_IsDeletedAfterTheLastHolderLetsGo_AndNotBefore()
    {
        var first = Ranges();
        var second = Ranges();
        Assert.True(first.TryLock(0, 100));
        Assert.True(second.TryLock(100, 100));

        first.Unlock(0, 100);
        Assert.True(File.Exists(LockFile), "deleted while another holder still had a range of it");
        // And still one lock: a newcomer does not get the other's range.
        Assert.False(Ranges().TryLock(150, 10));

        second.Unlock(100, 100);
        Assert.Empty(Directory.GetFileSystemEntries(_locks.Path));
    }

    [Fact]
    public void TheLockFile_IsDeletedOnDispose_OfTheLastHolder()
    {
        using (var ranges = new NodeRangeLock(_locks, _file))
        {
            Assert.True(ranges.TryLock(0, 100));
            Assert.True(ranges.TryLock(200, 100));
            Assert.True(File.Exists(LockFile));
        }

        Assert.Empty(Directory.GetFileSystemEntries(_locks.Path));
    }

    [Fact]
    public void TryLock_OnALockFileItsLastHolderDeleted_TakesTheRangeOnTheFileTheNameGivesNow()
    {
        // The second holder opens the file while the first has the range, and keeps it open; the first lets go, finds
        // nobody else holding anything, and deletes the file. The second's next lock is granted on the deleted file,
        // where it excludes nobody: it must notice and lock the file now under the name.
        var first = Ranges();
        var second = Ranges();
        Assert.True(first.TryLock(0, 100));
        Assert.False(second.TryLock(50, 100));
        first.Unlock(0, 100);
        Assert.False(File.Exists(LockFile));

        Assert.True(second.TryLock(50, 100));

        Assert.True(File.Exists(LockFile));
        Assert.False(Ranges().TryLock(0, 100));
    }

    [Fact]
    public void TryLock_IsStillExclusive_AfterTheLockFileWasReplacedUnderAHolder()
    {
        // Something outside this pattern replaces the file while a holder has a range of it (a tmp cleaner, a person): new
        // ranges go to the file under the name, so that newcomers, who lock that one, see them.
        var holder = Ranges();
        Assert.True(holder.TryLock(0, 100));
        var replacement = _directory.Write("replacement", []);
        File.Move(replacement, LockFile, overwrite: true);

        Assert.True(holder.TryLock(200, 100));

        Assert.False(Ranges().TryLock(250, 10));
        holder.Unlock(0, 100);
        holder.Unlock(200, 100);
        Assert.Empty(Directory.GetFileSystemEntries(_locks.Path));
    }

    [Fact]
    public void TryLock_ThroughASymlinkPlantedUnderTheLocksName_IsRefused_AndTheTargetUntouched()
    {
        var victim = _directory.File("victim");
        File.WriteAllText(victim, "keep");
        File.CreateSymbolicLink(LockFile, victim);

        var error = Assert.Throws<IOException>(() => Ranges().TryLock(0, 100));

        Assert.Contains("cannot open the prefetch lock file for writing", error.Message, StringComparison.Ordinal);
        Assert.Equal("keep", File.ReadAllText(victim));
    }

    [Fact]
    public void TryLock_KeysByDeviceAndInode_SoTwoPathsToOneFileShareTheLocks()
    {
        var link = _directory.File("b");
        File.CreateSymbolicLink(link, _directory.File("a"));
        var other = new NodeRangeLock(_locks, SomeFile("c"));
        _owned.Add(other);
        Assert.True(Ranges().TryLock(0, 100));

        Assert.True(other.TryLock(0, 100));
        var viaLink = new NodeRangeLock(_locks, FileIdentity.Of(link));
        _owned.Add(viaLink);
        Assert.False(viaLink.TryLock(0, 100));
    }

    [Fact]
    public void LockFiles_InAFolderOthersMayShare_AreWritableByAll_AndInThePrivateFolder_ByTheUserAlone()
    {
        // Write locks need a descriptor open for writing; the umask would otherwise leave other users of a shared folder without.
        Assert.True(Ranges().TryLock(0, 100));
        Assert.Equal((UnixFileMode)0x1B6, File.GetUnixFileMode(LockFile));

        using var own = NodeLockDirectory.OpenPerUser(_directory.Path);
        using var ranges = new NodeRangeLock(own, _file);
        Assert.True(ranges.TryLock(0, 100));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(NodeRangeLock.PathOf(own, _file)));
    }

    [Fact]
    public void TryLock_AgainstAnotherProcess_ConflictsOnlyWhereTheRangesOverlap_AndDescribeNamesIt()
    {
        using var other = RangeLockHolder.Hold(LockFile, 1_000, 1_000);
        var ranges = Ranges();

        Assert.False(ranges.TryLock(1_500, 1_000));
        Assert.True(ranges.TryLock(0, 1_000));
        Assert.True(ranges.TryLock(2_000, 1_000));
        Assert.Equal($"pid {other.Process.Id} (perl)", NodeLockHolder.Describe(LockFile, 1_500, 10));
        Assert.Null(NodeLockHolder.Describe(LockFile, 5_000, 10));

        // Letting go of its own ranges, this holder must not delete the file under the other process's.
        ranges.Unlock(0, 1_000);
        ranges.Unlock(2_000, 1_000);
        Assert.True(File.Exists(LockFile));
    }

    [Fact]
    public async Task TryLock_Succeeds_OnceAHolderProcessIsKilled_AndItsLeftoverFileIsDeletedAfterUse()
    {
        var other = RangeLockHolder.Hold(LockFile, 0, 100);
        Assert.False(Ranges().TryLock(0, 100));

        other.Process.Kill();
        await other.Process.WaitForExitAsync();
        other.Dispose();

        // The kernel drops the lock as the killed process's descriptors close; the file it left is reused, then deleted.
        using (var ranges = new NodeRangeLock(_locks, _file))
        {
            Assert.True(ranges.TryLock(0, 100));
        }

        Assert.False(File.Exists(LockFile));
    }

    private NodeRangeLock Ranges()
    {
        var ranges = new NodeRangeLock(_locks, _file);
        _owned.Add(ranges);
        return ranges;
    }

    private FileIdentity SomeFile(string name)
    {
        var path = _directory.File(name);
        File.WriteAllBytes(path, [1, 2, 3]);
        return FileIdentity.Of(path);
    }
}
