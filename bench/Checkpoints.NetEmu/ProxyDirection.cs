namespace Checkpoints.NetEmu;

/// <summary>One direction of a proxied connection.</summary>
public enum ProxyDirection
{
    /// <summary>Bytes the client sends to the target (requests).</summary>
    ClientToServer = 0,

    /// <summary>Bytes the target sends back to the client (responses, file data).</summary>
    ServerToClient = 1,
}
