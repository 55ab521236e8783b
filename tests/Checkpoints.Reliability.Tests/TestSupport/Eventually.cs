using System.Diagnostics;

namespace Checkpoints.Reliability.Tests.TestSupport;

/// <summary>Waits for something another thread or process brings about, with a deadline instead of a fixed sleep.</summary>
internal static class Eventually
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails saying <paramref name="what"/> never happened.</summary>
    public static async Task TrueAsync(Func<bool> condition, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < Patience, $"Waited {Patience.TotalSeconds} s, but {what} did not happen.");
            await Task.Delay(20);
        }
    }
}
