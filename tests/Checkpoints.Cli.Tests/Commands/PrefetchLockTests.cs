using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using System.Text.Json;
using Checkpoints.Cli.Tests.TestSupport;
using Checkpoints.Files;
using Checkpoints.Interop;
using Checkpoints.Storage.Cache;
using Checkpoints.Storage.Locks;

namespace Checkpoints.Cli.Tests.Commands;

/// <summary>
/// <c>ckpt prefetch</c>, in a child process, against a real holder of a shard's bytes in its prefetch lock file (a perl
/// one-liner, which never lets go) and against lock folders that are not safe to use. Whatever happens, the command
/// ends, says why it waited or what it refused, and warms the checkpoint.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class PrefetchLockTests : IDisposable
{
    // A hang guard, not a speed check: every command below ends in seconds, or after a patience of a few seconds.
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly ModelFolder _model = new("ckpt-prefetch-locks-", 8L << 20);
    private readonly List<PrefetchLockHolder> _holders = [];

    private string Locks => _model.File("locks");

    public void Dispose()
    {
        foreach (var holder in _holders)
        {
            holder.Dispose();
        }

        _model.Dispose();
    }

    [Fact]
    public async Task Prefetch_SkipsCachedFile_HeldByAnotherProcess()
    {
        var holder = HoldLock(_model.Written[0]);
        Warm(_model.Written[0]);

        // An hour of patience: only skipping the held file lets the command end before the hang guard. Found cached, the
        // held bytes are news, not a warning: -v shows it.
        var (exitCode, output, error) = await PrefetchAsync(new() { ["CKPT_LOCK_DIR"] = Locks, ["CKPT_LOCK_PATIENCE"] = "3600" }, "-v");

        Assert.True(exitCode == 0, error);
        // One message for the file, whichever of its blocks was met first.
        Assert.Contains($" of {_model.Written[0]}: not read: another process on this node is warming them ({LockFileOf(_model.Written[0])} is locked by pid {holder.Id} (perl)), and they are already in the page cache",
            Line(error, " not read: another process on this node is warming them"), StringComparison.Ordinal);
        Assert.DoesNotContain(_model.Written[1], error, StringComparison.Ordinal);
        Assert.Contains("not read: bytes another process on this node was warming were already in the page cache", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prefetch_WarnsAtOnce_ThenReadsAColdHeldFileAfterThePatience()
    {
        const int patience = 3;
        var holder = HoldLock(_model.Written[0]);
        Evict();

        var (exitCode, output, error) = await PrefetchAsync(new() { ["CKPT_LOCK_DIR"] = Locks, ["CKPT_LOCK_PATIENCE"] = patience.ToString(CultureInfo.InvariantCulture) }, "--json");

        Assert.True(exitCode == 0, error);
        var holderText = $"{LockFileOf(_model.Written[0])} is locked by pid {holder.Id} (perl)";
        // One warning of each kind for the file, whichever of its blocks was met first; the others' are debug messages.
        var waiting = Line(error, $" of {_model.Written[0]}: another process on this node is warming them ({holderText}); moving on, and back to them when that process is done, or after {patience} s at most");
        var gaveUp = Line(error, $" of {_model.Written[0]}: gave up waiting after {patience} s ({holderText}); reading them without the lock, so they may be read twice");
        // The first warning is written when the wait starts, not when it ends: a patience apart (less a margin for rounding).
        Assert.True(Timestamp(gaveUp) - Timestamp(waiting) >= TimeSpan.FromSeconds(patience - 0.5), error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(json.RootElement.GetProperty("bytesPlanned").GetInt64(), json.RootElement.GetProperty("bytesRead").GetInt64());
        Assert.Equal(0, json.RootElement.GetProperty("bytesAlreadyCached").GetInt64());
    }

    [Fact]
    public async Task Prefetch_WarnsAndStillWarms_WhenTheLockFolderBelongsToAnotherUser()
    {
        Directory.CreateDirectory(Locks);
        await RunAsync("chown", "nobody", Locks);
        Evict();

        var (exitCode, output, error) = await PrefetchAsync(new() { ["CKPT_LOCK_DIR"] = Locks }, "--json");

        Assert.True(exitCode == 0, error);
        Assert.Contains($"Prefetch locks are unavailable ({Locks} belongs to uid 65534, not to this user (uid {Libc.GetEUid()}); another user could hold or delete the locks in it, so it is not used); this process warms its files without coordinating with others on the node",
            error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(Locks));
        AssertAllWarmed(output);
    }

    [Fact]
    public async Task Prefetch_RefusesALockFolderThatIsASymlink()
    {
        var target = _model.File("target");
        Directory.CreateDirectory(target);
        File.CreateSymbolicLink(Locks, target);
        Evict();

        var (exitCode, output, error) = await PrefetchAsync(new() { ["CKPT_LOCK_DIR"] = Locks }, "--json");

        Assert.True(exitCode == 0, error);
        Assert.Contains($"Prefetch locks are unavailable ({Locks} is a symbolic link; a lock folder is used only when it is a real folder, which another user cannot redirect)", error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(target));
        AssertAllWarmed(output);
    }

    [Fact]
    public async Task Prefetch_LeavesNoLockFilesBehind()
    {
        Evict();

        var (exitCode, output, error) = await PrefetchAsync(new() { ["CKPT_LOCK_DIR"] = Locks }, "--json");

        Assert.True(exitCode == 0, error);
        Assert.Equal(string.Empty, error);
        Assert.True(Directory.Exists(Locks), "the prefetch took no lock");
        Assert.Empty(Directory.GetFileSystemEntries(Locks));
        AssertAllWarmed(output);
    }

    [Fact]
    public async Task Prefetch_CreatesTheDefaultLockFolder_PrivateToTheUser()
    {
        var temp = _model.File("tmp");
        Directory.CreateDirectory(temp);
        Evict();

        var (exitCode, _, error) = await PrefetchAsync(new() { ["CKPT_LOCK_DIR"] = string.Empty, ["TMPDIR"] = temp });

        Assert.True(exitCode == 0, error);
        var user = Path.Combine(temp, $"ckpt-{Libc.GetEUid()}");
        Assert.Equal(Private, File.GetUnixFileMode(user));
        Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(user, "prefetch-locks")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(user, "prefetch-locks")));
    }

    private Task<(int ExitCode, string Output, string Error)> PrefetchAsync(Dictionary<string, string> environment, params string[] options) =>
        CkptProcess.RunAsync(HangGuard, [], environment, ["prefetch", _model.Checkpoint, .. options]);

    /// <summary>Starts a process that holds all of <paramref name="shard"/>'s bytes in its lock file, and waits until it holds them.</summary>
    private Process HoldLock(string shard)
    {
        var holder = PrefetchLockHolder.Hold(Locks, shard);
        _holders.Add(holder);
        return holder.Process;
    }

    private string LockFileOf(string shard)
    {
        using var locks = NodeLockDirectory.OpenConfigured(Locks);
        return NodeRangeLock.PathOf(locks, FileIdentity.Of(shard));
    }

    private static void Warm(string shard)
    {
        using var stream = File.OpenRead(shard);
        stream.CopyTo(Stream.Null);
    }

    private void Evict()
    {
        foreach (var shard in _model.Written)
        {
            Assert.True(PageCache.Evict(shard), $"{shard} could not be evicted");
        }
    }

    private static void AssertAllWarmed(string output)
    {
        using var json = JsonDocument.Parse(output);
        Assert.Equal(json.RootElement.GetProperty("bytesPlanned").GetInt64(), json.RootElement.GetProperty("bytesRead").GetInt64());
    }

    private static string Line(string error, string message) =>
        error.Split('\n').SingleOrDefault(line => line.Contains(message, StringComparison.Ordinal)) ?? throw new Xunit.Sdk.XunitException($"no line with \"{message}\" in:\n{error}");

    /// <summary>The time the console logger put first on <paramref name="line"/> ("HH:mm:ss.fff warn: ...").</summary>
    private static TimeSpan Timestamp(string line) => TimeSpan.ParseExact(line[..12], @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture);

    private static async Task RunAsync(string command, params string[] args)
    {
        // The tests run as root; chown is how a folder becomes another user's.
        using var process = Process.Start(new ProcessStartInfo(command, args) { UseShellExecute = false })!;
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
    }
}
