using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Checkpoints.Tests.TestSupport;

/// <summary>
/// A network file system on loopback: <c>socat</c> serves a folder with <c>sftp-server</c> on a free 127.0.0.1 port and
/// <c>sshfs -o directport</c> mounts it (no ssh, no keys). Disposal unmounts and kills exactly the processes this
/// fixture started. Pass <c>route</c> to make sshfs connect elsewhere (a latency proxy in front of the server).
/// </summary>
internal sealed class SshfsMount : IAsyncDisposable
{
    public const string SftpServerPath = "/usr/lib/openssh/sftp-server";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly Process _server;
    private readonly bool _ownsServedDirectory;
    private Process? _sshfs;
    private bool _disposed;

    private SshfsMount(Process server, IPEndPoint serverEndPoint, string servedDirectory, bool ownsServedDirectory, string mountPoint)
    {
        _server = server;
        ServerEndPoint = serverEndPoint;
        ServedDirectory = servedDirectory;
        _ownsServedDirectory = ownsServedDirectory;
        MountPoint = mountPoint;
    }

    /// <summary>The folder the sftp server serves (write test files here or through <see cref="MountPoint"/>).</summary>
    public string ServedDirectory { get; }

    /// <summary>Where the sshfs mount is.</summary>
    public string MountPoint { get; }

    /// <summary>Where the sftp server listens.</summary>
    public IPEndPoint ServerEndPoint { get; }

    /// <summary>Where sshfs connects (the server, or what <c>route</c> returned).</summary>
    public IPEndPoint ConnectedEndPoint { get; private set; } = null!;

    /// <summary>Serves <paramref name="servedDirectory"/> (a new temporary folder when null) and mounts it.</summary>
    /// <param name="servedDirectory">The folder to serve; it is left in place on dispose. Null for a new temporary one, deleted on dispose.</param>
    /// <param name="route">Maps the server's end point to the one sshfs connects to (a proxy); null to connect directly.</param>
    /// <param name="cancellationToken">Cancels the wait for the mount.</param>
    public static async Task<SshfsMount> StartAsync(string? servedDirectory = null, Func<IPEndPoint, IPEndPoint>? route = null, CancellationToken cancellationToken = default)
    {
        Prerequisites.RequireFuse();
        var owns = servedDirectory is null;
        servedDirectory ??= Directory.CreateTempSubdirectory("ckpt-sftp-").FullName;
        var mountPoint = Directory.CreateTempSubdirectory("ckpt-sshfs-").FullName;
        var port = FreePort();
        // nodelay: Nagle would hold small replies back until a delayed acknowledgement (up to 40 ms each).
        var server = Start("socat", $"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork,nodelay", $"EXEC:{SftpServerPath}");
        var mount = new SshfsMount(server, new IPEndPoint(IPAddress.Loopback, port), servedDirectory, owns, mountPoint);
        try
        {
            await mount.WaitForServerAsync(cancellationToken).ConfigureAwait(false);
            mount.ConnectedEndPoint = route?.Invoke(mount.ServerEndPoint) ?? mount.ServerEndPoint;
            // -f keeps sshfs in the foreground, so the process started here is the one serving the mount and disposal can end it.
            mount._sshfs = Start(
                "sshfs",
                "-f",
                "-o", $"directport={mount.ConnectedEndPoint.Port},kernel_cache",
                $"{mount.ConnectedEndPoint.Address}:{servedDirectory}",
                mountPoint);
            await mount.WaitForMountAsync(cancellationToken).ConfigureAwait(false);
            return mount;
        }
        catch
        {
            await mount.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (IsMounted())
        {
            // Polite first; a lazy detach only when a busy file keeps the mount.
            if (!await RunAsync("fusermount3", "-u", MountPoint).ConfigureAwait(false)
                && !await RunAsync("umount", MountPoint).ConfigureAwait(false))
            {
                await RunAsync("umount", "-l", MountPoint).ConfigureAwait(false);
            }
        }

        if (_sshfs is not null)
        {
            await StopAsync(_sshfs, killAtOnce: false).ConfigureAwait(false);
        }

        await StopAsync(_server, killAtOnce: true).ConfigureAwait(false);
        TryDelete(MountPoint, recursive: false);
        if (_ownsServedDirectory)
        {
            TryDelete(ServedDirectory, recursive: true);
        }
    }

    /// <summary>True while <see cref="MountPoint"/> is a fuse.sshfs mount in this process's mount table.</summary>
    public bool IsMounted() =>
        File.ReadLines("/proc/self/mountinfo").Any(line =>
            line.Contains($" {MountPoint} ", StringComparison.Ordinal) && line.Contains(" - fuse.sshfs ", StringComparison.Ordinal));

    private async Task WaitForServerAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            ThrowIfExited(_server, "socat");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(ServerEndPoint, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (SocketException) when (deadline.Elapsed < StartTimeout)
            {
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task WaitForMountAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (!IsMounted())
        {
            ThrowIfExited(_sshfs!, "sshfs");
            if (deadline.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"sshfs did not mount {MountPoint} within {StartTimeout.TotalSeconds} s.");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    private static void ThrowIfExited(Process process, string name)
    {
        if (process.HasExited)
        {
            throw new InvalidOperationException($"{name} exited with {process.ExitCode}: {process.StandardError.ReadToEnd()}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Process Start(string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"Could not start {fileName}.");
    }

    private static async Task<bool> RunAsync(string fileName, params string[] arguments)
    {
        try
        {
            using var process = Start(fileName, arguments);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            return process.ExitCode == 0;
        }
        catch (Exception e) when (e is OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <summary>Kills the process (or first waits briefly for a clean exit) together with the children it forked (socat forks one per connection).</summary>
    private static async Task StopAsync(Process process, bool killAtOnce)
    {
        using (process)
        {
            if (!process.HasExited)
            {
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                try
                {
                    if (killAtOnce)
                    {
                        process.Kill(entireProcessTree: true);
                    }

                    await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync().ConfigureAwait(false);
                }
                catch (InvalidOperationException)
                {
                    // Exited between the check and the kill.
                }
            }
        }
    }

    private static void TryDelete(string path, bool recursive)
    {
        try
        {
            Directory.Delete(path, recursive);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
