using Checkpoints.NetEmu.Internal;
using Microsoft.Extensions.Time.Testing;

namespace Checkpoints.NetEmu.Tests;

public sealed class LinkPacerTests
{
    private const long Rate = 1_000_000;
    private const int Slice = 1_000;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void Rate_IsKept_WhenTheSenderWakesLate(int lateMilliseconds)
    {
        var time = new FakeTimeProvider();
        var pacer = new LinkPacer(time) { BytesPerSecond = Rate };
        var end = time.GetTimestamp() + time.TimestampFrequency;
        long sent = 0;

        // A send loop as the proxy's: send while the link lets us, else sleep until it does, and wake late.
        while (time.GetTimestamp() < end)
        {
            var sendAt = pacer.Reserve(Slice);
            if (sendAt > time.GetTimestamp())
            {
                time.Advance(TimeSpan.FromTicks(Ticks(time, sendAt - time.GetTimestamp())) + TimeSpan.FromMilliseconds(lateMilliseconds));
            }

            sent += Slice;
        }

        // Within one burst of the rate over the second, whatever the lateness (a pacer without credit carries a quarter of
        // the rate for a sender 3 ms late with 1 ms slices).
        var burstBytes = (long)(LinkPacer.Burst.TotalSeconds * Rate);
        Assert.InRange(sent, Rate - burstBytes, Rate + burstBytes + (lateMilliseconds + 1) * Rate / 1000);
    }

    [Fact]
    public void IdleLink_BanksNoMoreThanTheBurst()
    {
        var time = new FakeTimeProvider();
        var pacer = new LinkPacer(time) { BytesPerSecond = Rate };
        time.Advance(TimeSpan.FromSeconds(10));

        long sentAtOnce = 0;
        while (pacer.Reserve(Slice) <= time.GetTimestamp())
        {
            sentAtOnce += Slice;
        }

        var burstBytes = (long)(LinkPacer.Burst.TotalSeconds * Rate);
        Assert.InRange(sentAtOnce, burstBytes, burstBytes + Slice);
    }

    private static long Ticks(TimeProvider time, long timestampDelta) =>
        (long)Math.Ceiling(timestampDelta * (double)TimeSpan.TicksPerSecond / time.TimestampFrequency);
}
