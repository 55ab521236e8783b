namespace Checkpoints.NetEmu;

/// <summary>A snapshot of what a <see cref="LatencyProxy"/> has carried.</summary>
/// <param name="BytesClientToServer">Bytes written to the target over all connections (requests).</param>
/// <param name="BytesServerToClient">Bytes written back to clients over all connections (responses, file data).</param>
/// <param name="ConnectionsAccepted">Connections accepted and connected to the target since the start.</param>
/// <param name="ConnectionsOpen">Connections still open.</param>
/// <param name="Connections">Every connection so far, open or closed, in the order they were accepted.</param>
public sealed record ProxyStatistics(
    long BytesClientToServer,
    long BytesServerToClient,
    int ConnectionsAccepted,
    int ConnectionsOpen,
    IReadOnlyList<ConnectionStatistics> Connections)
{
    /// <summary>Bytes carried in one direction.</summary>
    public long Bytes(ProxyDirection direction) =>
        direction == ProxyDirection.ClientToServer ? BytesClientToServer : BytesServerToClient;
}

/// <summary>What one connection has carried.</summary>
/// <param name="Id">1 for the first connection accepted, then 2, 3, ...</param>
/// <param name="IsOpen">Whether the connection was still open when the snapshot was taken.</param>
/// <param name="BytesClientToServer">Bytes written to the target.</param>
/// <param name="BytesServerToClient">Bytes written back to the client.</param>
public sealed record ConnectionStatistics(int Id, bool IsOpen, long BytesClientToServer, long BytesServerToClient);
