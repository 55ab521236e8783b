using System.Text.Json;

namespace Checkpoints.NetEmu.Tests;

public sealed class StatisticsFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("netemu-stats-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Write_ReplacesTheFileWhole_NumberingEachSnapshot_AndLeavesNoTemporaryFile()
    {
        var file = new StatisticsFile(Path.Combine(_folder, "stats.json"));

        Assert.Equal(1, file.Write(new ProxyStatistics(10, 20, 1, 1, []), final: false));
        Assert.Equal(2, file.Write(new ProxyStatistics(30, 4_000_000_000_000, 2, 0, []), final: true));

        using var document = JsonDocument.Parse(File.ReadAllText(file.Path));
        var root = document.RootElement;
        Assert.Equal(2, root.GetProperty("sequence").GetInt64());
        Assert.True(root.GetProperty("final").GetBoolean());
        Assert.Equal(30, root.GetProperty("bytesClientToServer").GetInt64());
        Assert.Equal(4_000_000_000_000, root.GetProperty("bytesServerToClient").GetInt64());
        Assert.Equal(2, root.GetProperty("connectionsAccepted").GetInt32());
        Assert.Equal(0, root.GetProperty("connectionsOpen").GetInt32());
        Assert.Equal([file.Path], Directory.GetFiles(_folder));
    }

    [Fact]
    public void Write_Throws_WhenTheFolderDoesNotExist()
    {
        var file = new StatisticsFile(Path.Combine(_folder, "missing", "stats.json"));

        Assert.ThrowsAny<IOException>(() => file.Write(new ProxyStatistics(0, 0, 0, 0, []), final: false));
    }
}
