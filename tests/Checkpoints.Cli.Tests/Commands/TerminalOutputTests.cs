using System.Buffers.Binary;
using System.Text;
using Checkpoints.Cli.Tests.TestSupport;
using Checkpoints.Format;
using Checkpoints.Synthesis;

namespace Checkpoints.Cli.Tests.Commands;

/// <summary>
/// What a person at a terminal sees. Names and metadata come from the file's author: a tensor named
/// <c>ESC ]0;...BEL</c> must not retitle the window, <c>ESC [2J</c> must not clear the screen.
/// </summary>
public sealed class TerminalOutputTests : IDisposable
{
    private const string Hostile = "evil\u001b]0;PWNED\u0007\u001b[2J\u001b[31mred\u202eright\u009b31m\nfake row\r\u2028\u200b";
    private const string HostileEscaped = "evil\\x1B]0;PWNED\\x07\\x1B[2J\\x1B[31mred\\u202Eright\\x9B31m\\x0Afake row\\x0D\\u2028\\u200B";

    private readonly string _directory = Directory.CreateTempSubdirectory("ckpt-terminal-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Inspect_TensorNameWithTerminalCommands_IsPrintedEscaped()
    {
        var path = WriteShard(dataEnd: 2);

        var (exitCode, output, _) = await CliRunner.RunAsync("inspect", path);

        Assert.Equal(0, exitCode);
        Assert.Contains(HostileEscaped, output, StringComparison.Ordinal);
        Assert.Contains("note\\x1B[2J = v\\x07", output, StringComparison.Ordinal);
        AssertNoTerminalCommands(output);
    }

    [Fact]
    public async Task ErrorNamingAHostileTensor_IsPrintedEscaped()
    {
        var path = WriteShard(dataEnd: 3); // the offsets span 3 bytes for a 2-byte tensor

        var (exitCode, _, error) = await CliRunner.RunAsync("inspect", path);

        Assert.Equal(1, exitCode);
        Assert.Contains($"tensor '{HostileEscaped}' is U8 [2] = 2 bytes", error, StringComparison.Ordinal);
        AssertNoTerminalCommands(error);
    }

    [Fact]
    public async Task Inspect_OnATerminal_KeepsItsColours_ButEscapesTheNames()
    {
        var path = WriteShard(dataEnd: 2);

        var (exitCode, screen) = await PseudoTerminal.RunAsync("inspect", path);

        Assert.Equal(0, exitCode);
        Assert.Contains(HostileEscaped, screen, StringComparison.Ordinal);
        AssertNoTerminalCommands(screen);
    }

    [Fact]
    public async Task Verify_OnATerminal_EscapesTheNamesInItsErrors()
    {
        var path = WriteShard(dataEnd: 3);

        var (exitCode, screen) = await PseudoTerminal.RunAsync("verify", path);

        Assert.Equal(1, exitCode);
        Assert.Contains(HostileEscaped, screen, StringComparison.Ordinal);
        AssertNoTerminalCommands(screen);
    }

    [Fact]
    public async Task Load_OnATerminal_ShowsThePlanBeforeTheProgressBar()
    {
        SyntheticCheckpoint.Write(_directory, 8L << 20, 2, DType.BF16);

        var (exitCode, screen) = await PseudoTerminal.RunAsync("load", _directory);

        Assert.Equal(0, exitCode);
        var plan = screen.IndexOf("plan (auto):", StringComparison.Ordinal);
        var bar = screen.IndexOf("reading tensors", StringComparison.Ordinal);
        var report = screen.IndexOf("digest ", StringComparison.Ordinal);
        Assert.True(plan >= 0 && bar > plan && report > bar, $"expected the plan, then the bar, then the report; the terminal showed:\n{screen}");
        Assert.Equal(1, CountOf(screen, "plan (auto):"));
    }

    private static int CountOf(string text, string part) => text.Split(part).Length - 1;

    /// <summary>OSC (title, clipboard), erase-display and C1 CSI sequences are never in output; colours (ESC [ ... m) may be.</summary>
    private static void AssertNoTerminalCommands(string text)
    {
        Assert.DoesNotContain("\u001b]", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[2J", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\u0007", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\u009b", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\u202e", text, StringComparison.Ordinal);
    }

    /// <summary>A shard of one U8 [2] tensor with the hostile name and hostile metadata; <paramref name="dataEnd"/> 3 breaks it.</summary>
    private string WriteShard(int dataEnd)
    {
        var header = Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            [Hostile] = new { dtype = "U8", shape = new[] { 2 }, data_offsets = new[] { 0, dataEnd } },
            ["__metadata__"] = new Dictionary<string, string> { ["note\u001b[2J"] = "v\u0007" },
        }));
        var file = new byte[8 + header.Length + dataEnd];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        var path = Path.Combine(_directory, "model.safetensors");
        File.WriteAllBytes(path, file);
        return path;
    }
}
