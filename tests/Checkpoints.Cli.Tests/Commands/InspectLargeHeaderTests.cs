using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Checkpoints.Cli.Tests.Commands;

/// <summary>
/// Legal but large headers: many tensors are listed as aligned plain text (the rich table held every cell in memory,
/// 46 s and 2.5 GB for 300,000 tensors), and a very long metadata value is cut in the text report.
/// </summary>
public sealed class InspectLargeHeaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ckpt-large-header-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Inspect_ManyTensors_ListsThemAsAlignedPlainText()
    {
        var path = WriteShard(tensorCount: 5_000, metadataValue: "short");

        var (exitCode, output, error) = await CliRunner.RunAsync("inspect", path);

        Assert.Equal(0, exitCode);
        Assert.Equal(string.Empty, error);
        var lines = output.Split('\n');
        var header = Array.FindIndex(lines, static line => line.StartsWith("name ", StringComparison.Ordinal));
        Assert.True(header > 0, output[..Math.Min(output.Length, 2_000)]);
        Assert.Equal("name    dtype  shape  size  shard  data offsets", lines[header]);
        Assert.Equal("t.0     U8     [1]    1 B   0      [0, 1]", lines[header + 1]);
        Assert.Equal("t.4999  U8     [1]    1 B   0      [4999, 5000]", lines[header + 5_000]);
    }

    [Fact]
    public async Task Inspect_VeryLongMetadataValue_IsCutInText_AndWholeInJson()
    {
        var path = WriteShard(tensorCount: 1, metadataValue: new string('x', 50_000));

        var (_, text, _) = await CliRunner.RunAsync("inspect", path);
        var (_, json, _) = await CliRunner.RunAsync("inspect", path, "--json");

        Assert.Contains("... (49,000 more characters; --json shows it whole)", text, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('x', 1_001), text.Replace("\n", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains(new string('x', 50_000), json, StringComparison.Ordinal);
    }

    private string WriteShard(int tensorCount, string metadataValue)
    {
        var header = new Dictionary<string, object> { ["__metadata__"] = new Dictionary<string, string> { ["note"] = metadataValue } };
        for (var i = 0; i < tensorCount; i++)
        {
            header[$"t.{i}"] = new { dtype = "U8", shape = new[] { 1 }, data_offsets = new[] { i, i + 1 } };
        }

        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        var file = new byte[8 + json.Length + tensorCount];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        var path = Path.Combine(_directory, "model.safetensors");
        File.WriteAllBytes(path, file);
        return path;
    }
}
