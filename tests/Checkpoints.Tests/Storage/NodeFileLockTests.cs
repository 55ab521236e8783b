using System.Diagnostics;
using Checkpoints.Storage;
using Checkpoints.Tests.TestSupport;

namespace Checkpoints.Tests.Storage;

public sealed class NodeFileLockTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private FileIdentity SomeFile(string name)
    {
        var path = _directory.File(name);
        File.WriteAllBytes(path, [1, 2, 3]);
        return FileIdentity.Of(path);
    }

    private string Locks => Path.Combine(_directory.Path, "locks");

    [Fact]
    public void TryAcquire_IsExclusive_UntilTheHolderReleases()
    {
        var file = SomeFile("a");

        using (var first = NodeFileLock.TryAcquire(Locks, file))
        {
            Assert.NotNull(first);
            // flock locks belong to the open file description: a second open, even in this process, is another holder.
            Assert.Null(NodeFileLock.TryAcquire(Locks, file));
        }

        using var again = NodeFileLock.TryAcquire(Locks, file);
        Assert.NotNull(again);
    }

    [Fact]
    public void TryAcquire_KeysByDeviceAndInode_SoTwoPathsToOneFileShareTheLock()
    {
        var file = SomeFile("a");
        var link = _directory.File("b");
        File.CreateSymbolicLink(link, _directory.File("a"));
        using var other = NodeFileLock.TryAcquire(Locks, SomeFile("c"));

        using var held = NodeFileLock.TryAcquire(Locks, file);

        Assert.NotNull(other);
        Assert.Null(NodeFileLock.TryAcquire(Locks, FileIdentity.Of(link)));
    }

    [Fact]
    public async Task TryAcquire_Succeeds_OnceAHolderProcessIsKilled()
    {
        var file = SomeFile("a");
        using (NodeFileLock.TryAcquire(Locks, file))
        {
            // Creates the lock file, whose name the other process needs.
        }

        var lockFile = Assert.Single(Directory.GetFiles(Locks));
        using var holder = Process.Start(new ProcessStartInfo("flock", ["--exclusive", "--close", lockFile, "sleep", "300"]) { UseShellExecute = false })!;
        try
        {
            Assert.True(SpinWait.SpinUntil(() => NodeFileLock.TryAcquire(Locks, file) is not { } acquired || ReleaseAndFalse(acquired), TimeSpan.FromSeconds(20)),
                "the flock holder never took the lock");
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync();
        }

        // The kernel drops the lock as the killed process's descriptors close.
        Assert.True(SpinWait.SpinUntil(() => NodeFileLock.TryAcquire(Locks, file) is { } acquired && !ReleaseAndFalse(acquired), TimeSpan.FromSeconds(20)),
            "the lock stayed taken after its holder was killed");
    }

    private static bool ReleaseAndFalse(NodeFileLock acquired)
    {
        acquired.Dispose();
        return false;
    }
}
