using Checkpoints.Files;


namespace Checkpoints.Tests.Files;

public sealed class PerFileProbeTests
{
    private static readonly string[] Paths = [.. Enumerable.Range(0, 40).Select(static i => $"/ckpt/shard-{i:00}")];

    [Fact]
    public void Run_KeepsTheFilesOrder_WhateverOrderTheProbesFinishIn()
    {
        var results = PerFileProbe.Run(Paths, path =>
        {
            // Later files finish first.
            Thread.Sleep(40 - int.Parse(path[^2..], System.Globalization.CultureInfo.InvariantCulture));
            return path.ToUpperInvariant();
        }, CancellationToken.None);

        Assert.Equal(Paths.Select(static path => path.ToUpperInvariant()), results);
    }

    [Fact]
    public void Run_ProbesSeveralFilesAtOnce_ButNoMoreThanItsParallelism()
    {
        int running = 0, most = 0;
        PerFileProbe.Run(Paths, path =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            Thread.Sleep(20);
            Interlocked.Decrement(ref running);
            return path;
        }, CancellationToken.None);

        Assert.InRange(most, 2, PerFileProbe.Parallelism);
    }

    [Fact]
    public void Run_ReportsTheFirstFailingFileInOrder_EvenWhenALaterOneFailedSooner()
    {
        var error = Assert.Throws<FileNotFoundException>(() => PerFileProbe.Run(Paths, path => path switch
        {
            "/ckpt/shard-05" => Fail(path, TimeSpan.FromMilliseconds(200)),
            "/ckpt/shard-30" => Fail(path, TimeSpan.Zero),
            _ => path,
        }, CancellationToken.None));

        Assert.Equal("/ckpt/shard-05", error.FileName);
    }

    [Fact]
    public void Run_OnNoFiles_ReturnsNothing() =>
        Assert.Empty(PerFileProbe.Run([], static path => path, CancellationToken.None));

    [Fact]
    public void Run_StopsWhenCancelled()
    {
        using var cancel = new CancellationTokenSource();
        var probed = 0;

        Assert.ThrowsAny<OperationCanceledException>(() => PerFileProbe.Run(Paths, path =>
        {
            if (Interlocked.Increment(ref probed) == 3)
            {
                cancel.Cancel();
            }

            Thread.Sleep(5);
            return path;
        }, cancel.Token));
        Assert.True(probed < Paths.Length, $"All {probed} files were probed after the cancellation.");
    }

    private static string Fail(string path, TimeSpan after)
    {
        Thread.Sleep(after);
        throw new FileNotFoundException("missing", path);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }
}
