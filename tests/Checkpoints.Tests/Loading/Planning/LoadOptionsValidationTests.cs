using Checkpoints.Loading.Planning;


namespace Checkpoints.Tests.Loading.Planning;

public sealed class LoadOptionsValidationTests
{
    public static TheoryData<TimeSpan> BadTimeouts => [TimeSpan.Zero, TimeSpan.FromSeconds(-1), TimeSpan.FromDays(30)];

    [Theory]
    [MemberData(nameof(BadTimeouts))]
    public void ReadTimeout_OutOfRange_IsRefusedAtOpen_NamingTheOption(TimeSpan timeout)
    {
        var error = Assert.Throws<ArgumentException>(() => Checkpoint.Open("/nonexistent/model.safetensors", new LoadOptions { ReadTimeout = timeout }));

        Assert.StartsWith("LoadOptions.ReadTimeout must be positive", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadTimeout_Infinite_IsAccepted()
    {
        // Validation passes; the missing file is what fails.
        Assert.Throws<FileNotFoundException>(() => Checkpoint.Open("/nonexistent/model.safetensors", new LoadOptions { ReadTimeout = Timeout.InfiniteTimeSpan }));
    }
}
