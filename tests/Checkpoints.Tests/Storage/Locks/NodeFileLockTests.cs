using System.Diagnostics;
using Checkpoints.Files;
using Checkpoints.Storage.Locks;
using Checkpoints.Tests.TestSupport;

namespace Checkpoints.Tests.Storage.Locks;

public sealed class NodeFileLockTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly NodeLockDirectory _locks;

    public NodeFileLockTests() => _locks = NodeLockDirectory.OpenConfigured(Path.Combine(_directory.Path, "locks"));

    public void Dispose()
    {
        _locks.Dispose();
        _directory.Dispose();
    }

    private FileIdentity SomeFile(string name)
    {
        var path = _directory.File(name);
        File.WriteAllBytes(path, [1, 2, 3]);
        return FileIdentity.Of(path);
    }

    [Fact]
    public void TryAcquire_IsExclusive_UntilTheHolderReleases()
    {
        var file = SomeFile("a");

        using (var first = NodeFileLock.TryAcquire(_locks, file))
        {
            Assert.NotNull(first);
            // flock locks belong to the open file description: a second open, even in this process, is another holder.
            Assert.Null(NodeFileLock.TryAcquire(_locks, file));
        }

        using var again = NodeFileLock.TryAcquire(_locks, file);
        Assert.NotNull(again);
    }

    [Fact]
    public void TryAcquire_ThroughASymlinkPlantedUnderTheLocksName_IsRefused_AndTheTargetUntouched()
    {
        var file = SomeFile("a");
        var victim = _directory.File("victim");
        File.WriteAllText(victim, "keep");
        File.CreateSymbolicLink(NodeFileLock.PathOf(_locks, file), victim);

        var error = Assert.Throws<IOException>(() => NodeFileLock.TryAcquire(_locks, file));

        Assert.Contains("cannot open the prefetch lock file", error.Message, StringComparison.Ordinal);
        Assert.Equal("keep", File.ReadAllText(victim));
    }

    [Fact]
    public void TryAcquire_KeysByDeviceAndInode_SoTwoPathsToOneFileShareTheLock()
    {
        var file = SomeFile("a");
        var link = _directory.File("b");
        File.CreateSymbolicLink(link, _directory.File("a"));
        using var other = NodeFileLock.TryAcquire(_locks, SomeFile("c"));

        using var held = NodeFileLock.TryAcquire(_locks, file);

        Assert.NotNull(other);
        Assert.Null(NodeFileLock.TryAcquire(_locks, FileIdentity.Of(link)));
    }

    [Fact]
    public void Release_DeletesTheLockFile()
    {
        var file = SomeFile("a");
        using (var held = NodeFileLock.TryAcquire(_locks, file))
        {
            Assert.NotNull(held);
            Assert.True(File.Exists(NodeFileLock.PathOf(_locks, file)));
        }

        Assert.Empty(Directory.GetFileSystemEntries(_locks.Path));
    }

    [Fact]
    public void TryAcquire_IsStillExclusive_AfterAHolderDeletedItsLockFile()
    {
        // The holder deletes its file as it lets go, so the next one locks a new file under the same name: the lock must
        // still be one, whoever comes next.
        var file = SomeFile("a");
        NodeFileLock.TryAcquire(_locks, file)!.Dispose();

        using var second = NodeFileLock.TryAcquire(_locks, file);
        Assert.NotNull(second);
        Assert.Null(NodeFileLock.TryAcquire(_locks, file));
    }

    [Fact]
    public async Task TryAcquire_Succeeds_OnceAHolderProcessIsKilled_AndDescribeHolderNamesIt()
    {
        var file = SomeFile("a");
        var lockFile = NodeFileLock.PathOf(_locks, file);
        using var holder = Process.Start(new ProcessStartInfo("flock", ["--exclusive", "--close", lockFile, "sleep", "300"]) { UseShellExecute = false })!;
        try
        {
            // Watched through /proc/locks, not by trying the lock: a try that succeeds before flock(1) gets there deletes
            // the lock file as it lets go, and flock(1) may then hold a file no longer in the folder.
            Assert.True(SpinWait.SpinUntil(() => NodeFileLock.DescribeHolder(_locks, file) == $"pid {holder.Id} (flock)", TimeSpan.FromSeconds(20)),
                "the flock holder never took the lock");
            Assert.Null(NodeFileLock.TryAcquire(_locks, file));
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync();
        }

        // The kernel drops the lock as the killed process's descriptors close; the file it left is reused, then deleted.
        Assert.True(SpinWait.SpinUntil(() => NodeFileLock.TryAcquire(_locks, file) is { } acquired && !ReleaseAndFalse(acquired), TimeSpan.FromSeconds(20)),
            "the lock stayed taken after its holder was killed");
        Assert.Null(NodeFileLock.DescribeHolder(_locks, file));
        Assert.False(File.Exists(lockFile));
    }

    private static bool ReleaseAndFalse(NodeFileLock acquired)
    {
        acquired.Dispose();
        return false;
    }
}
