using Checkpoints.NetEmu;
using Checkpoints.Tests.TestSupport;


namespace Checkpoints.Reliability.Tests.TestSupport;

/// <summary>
/// A folder served over sftp and mounted with sshfs, with a <see cref="LatencyProxy"/> on the link so a test can drop,
/// stall or throttle it. The files are written before mounting, so the client's page cache starts cold and every byte
/// the loader gets has crossed the proxy.
/// </summary>
internal sealed class ProxiedSshfs : IAsyncDisposable
{
    private readonly TempDirectory _served;
    private readonly LatencyProxy _proxy;
    private readonly SshfsMount _mount;

    private ProxiedSshfs(TempDirectory served, LatencyProxy proxy, SshfsMount mount)
    {
        _served = served;
        _proxy = proxy;
        _mount = mount;
    }

    /// <summary>The link between sshfs and the sftp server.</summary>
    public LatencyProxy Proxy => _proxy;

    /// <summary>The folder as the server sees it: local, for reference bytes (its page cache is not the mount's).</summary>
    public string ServedDirectory => _served.Path;

    /// <summary>The same folder through sshfs and the proxy.</summary>
    public string MountPoint => _mount.MountPoint;

    /// <summary>The sshfs mount, for its state after a fault.</summary>
    public SshfsMount Mount => _mount;

    /// <param name="writeServedFiles">Writes the test's files into the served folder (its path is passed), before the mount exists.</param>
    /// <param name="roundTripTime">The latency the proxy adds.</param>
    public static async Task<ProxiedSshfs> StartAsync(Action<string> writeServedFiles, TimeSpan roundTripTime)
    {
        Prerequisites.RequireFuse();
        var served = new TempDirectory();
        LatencyProxy? proxy = null;
        try
        {
            writeServedFiles(served.Path);
            var mount = await SshfsMount.StartAsync(served.Path, server =>
            {
                proxy = LatencyProxy.Start(new LatencyProxyOptions { TargetEndPoint = server, RoundTripTime = roundTripTime });
                return proxy.EndPoint;
            });
            return new ProxiedSshfs(served, proxy!, mount);
        }
        catch
        {
            if (proxy is not null)
            {
                await proxy.DisposeAsync();
            }

            served.Dispose();
            throw;
        }
    }

    /// <summary>Ends every stall and throttle: requests stuck behind them complete, so nothing keeps the mount or the loader busy.</summary>
    public void RestoreLink()
    {
        foreach (var direction in (ProxyDirection[])[ProxyDirection.ClientToServer, ProxyDirection.ServerToClient])
        {
            _proxy.Resume(direction);
            _proxy.SetBandwidth(direction, null);
        }
    }

    /// <summary>Restores the link first (see <see cref="RestoreLink"/>), then unmounts and stops sshfs and the server, then the proxy.</summary>
    public async ValueTask DisposeAsync()
    {
        RestoreLink();
        await _mount.DisposeAsync();
        await _proxy.DisposeAsync();
        _served.Dispose();
    }
}
