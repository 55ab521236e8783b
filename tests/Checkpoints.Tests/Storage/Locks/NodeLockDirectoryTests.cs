using System.Diagnostics;
using Checkpoints.Interop;
using Checkpoints.Storage.Locks;
using Checkpoints.Tests.TestSupport;

namespace Checkpoints.Tests.Storage.Locks;

// The locks are Linux only, and so are their tests.
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class NodeLockDirectoryTests : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private string UserFolder => _directory.File($"ckpt-{Libc.GetEUid()}");

    [Fact]
    public void OpenPerUser_CreatesBothLevelsPrivate()
    {
        using var locks = NodeLockDirectory.OpenPerUser(_directory.Path);

        Assert.Equal(Path.Combine(UserFolder, "prefetch-locks"), locks.Path);
        Assert.Equal(Private, File.GetUnixFileMode(UserFolder));
        Assert.Equal(Private, File.GetUnixFileMode(locks.Path));
    }

    [Fact]
    public void OpenPerUser_MakesAnOpenFolderOfThisUserPrivate()
    {
        // What earlier versions created: 0755.
        Directory.CreateDirectory(UserFolder, Private | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        using var locks = NodeLockDirectory.OpenPerUser(_directory.Path);

        Assert.Equal(Private, File.GetUnixFileMode(UserFolder));
    }

    [Fact]
    public void OpenPerUser_RefusesAParentOwnedByAnotherUser()
    {
        Directory.CreateDirectory(UserFolder);
        ChownToNobody(UserFolder);

        var refused = Assert.Throws<IOException>(() => NodeLockDirectory.OpenPerUser(_directory.Path));

        Assert.StartsWith($"{UserFolder} belongs to uid 65534, not to this user (uid {Libc.GetEUid()})", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenPerUser_RefusesASymlinkedParent()
    {
        var elsewhere = _directory.File("elsewhere");
        Directory.CreateDirectory(elsewhere);
        File.CreateSymbolicLink(UserFolder, elsewhere);

        var refused = Assert.Throws<IOException>(() => NodeLockDirectory.OpenPerUser(_directory.Path));

        Assert.StartsWith($"{UserFolder} is a symbolic link", refused.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(elsewhere));
    }

    [Fact]
    public void OpenConfigured_RefusesASymlink()
    {
        var target = _directory.File("target");
        Directory.CreateDirectory(target);
        var link = _directory.File("link");
        File.CreateSymbolicLink(link, target);

        var refused = Assert.Throws<IOException>(() => NodeLockDirectory.OpenConfigured(link));

        Assert.StartsWith($"{link} is a symbolic link", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenConfigured_RefusesAFolderOfAnotherUser()
    {
        var folder = _directory.File("theirs");
        Directory.CreateDirectory(folder);
        ChownToNobody(folder);

        var refused = Assert.Throws<IOException>(() => NodeLockDirectory.OpenConfigured(folder));

        Assert.Contains("belongs to uid 65534", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenConfigured_CreatesAMissingFolderPrivate()
    {
        var folder = _directory.File("locks");

        using var locks = NodeLockDirectory.OpenConfigured(folder);

        Assert.Equal(Private, File.GetUnixFileMode(folder));
    }

    [Fact]
    public void OpenConfigured_WhoseParentIsMissing_IsRefused_AndCreatesNothing()
    {
        var parent = _directory.File("typo");
        var folder = Path.Combine(parent, "locks");

        var refused = Assert.Throws<IOException>(() => NodeLockDirectory.OpenConfigured(folder));

        Assert.Equal($"{folder}: cannot create the prefetch lock folder: its parent folder does not exist; set CKPT_LOCK_DIR to a writable folder", refused.Message);
        Assert.False(Directory.Exists(parent));
    }

    private static void ChownToNobody(string path)
    {
        // The tests run as root (the container's user); chown is the only way to make a folder another user's.
        using var chown = Process.Start(new ProcessStartInfo("chown", ["nobody", path]) { UseShellExecute = false })!;
        chown.WaitForExit();
        Assert.Equal(0, chown.ExitCode);
    }
}
