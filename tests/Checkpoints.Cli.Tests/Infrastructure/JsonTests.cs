using Checkpoints.Cli.Infrastructure;
using Checkpoints.Cli.Output;

namespace Checkpoints.Cli.Tests.Infrastructure;

public sealed class JsonTests
{
    [Fact]
    public void ToText_LeavesPathsAndMessagesReadable()
    {
        var text = Json.ToText(new VerifyDocument(true, 0, 0, 0, [], ["/data/a+b/ü <&> 'x' \"y\""]), CliJsonContext.Readable.VerifyDocument);

        Assert.Contains("\"/data/a+b/ü <&> 'x' \\\"y\\\"\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ToText_RefusesTheDefaultContext_WhichEscapesThem()
    {
        var document = new VerifyDocument(true, 0, 0, 0, [], []);

        Assert.Throws<ArgumentException>(() => Json.ToText(document, CliJsonContext.Default.VerifyDocument));
    }
}
