using System.Text.Json;

namespace Checkpoints.NetEmu;

/// <summary>
/// The console's <c>--stats FILE</c>: a snapshot of <see cref="ProxyStatistics"/> written as one JSON object, on
/// request (SIGUSR1) and when the proxy stops, so that scripts can count what each emulated link carried while it
/// runs, e.g. <c>{"sequence":3,"final":false,"bytesClientToServer":..,"bytesServerToClient":..,"connectionsAccepted":1,"connectionsOpen":1}</c>.
/// </summary>
/// <remarks>
/// Each snapshot goes to a temporary file beside <see cref="Path"/> and is renamed over it, so a reader never sees a
/// half-written one. <c>sequence</c> counts the snapshots written (1 for the first): a script that sends the signal
/// waits until the number it read before has grown.
/// </remarks>
internal sealed class StatisticsFile
{
    private readonly Lock _gate = new();
    private long _sequence;

    public StatisticsFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
    }

    /// <summary>Where the snapshots go.</summary>
    public string Path { get; }

    /// <summary>Writes <paramref name="statistics"/>; <paramref name="final"/> marks the snapshot taken at the stop.</summary>
    /// <returns>The snapshot's sequence number.</returns>
    /// <exception cref="IOException">The file cannot be written (no such folder, no permission, disk full).</exception>
    public long Write(ProxyStatistics statistics, bool final)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        lock (_gate)
        {
            var sequence = ++_sequence;
            var temporary = $"{Path}.{Environment.ProcessId}.tmp";
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            using (var writer = new Utf8JsonWriter(stream))
            {
                writer.WriteStartObject();
                writer.WriteNumber("sequence", sequence);
                writer.WriteBoolean("final", final);
                writer.WriteNumber("bytesClientToServer", statistics.BytesClientToServer);
                writer.WriteNumber("bytesServerToClient", statistics.BytesServerToClient);
                writer.WriteNumber("connectionsAccepted", statistics.ConnectionsAccepted);
                writer.WriteNumber("connectionsOpen", statistics.ConnectionsOpen);
                writer.WriteEndObject();
                writer.Flush();
                stream.WriteByte((byte)'\n');
            }

            File.Move(temporary, Path, overwrite: true);
            return sequence;
        }
    }
}
