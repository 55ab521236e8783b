using System.Diagnostics;
using Checkpoints.Format;
using Checkpoints.TorchSharp.Tests.TestSupport;
using Checkpoints.Writing;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Checkpoints.TorchSharp.Tests.Copying;

/// <summary>
/// A tensor over 2 GiB, more than one span can hold on either side: the copy goes in pieces. The checkpoint is written to
/// /dev/shm (memory, not the disk) and deleted afterwards; the test needs about 4.3 GiB of memory for the file and the
/// destination. About 15-40 s on the 2-core test VM, most of it the first touch of fresh pages.
/// </summary>
public sealed class LargeTensorTests(ITestOutputHelper output)
{
    private const long Length = (2L << 30) + (64L << 20) + 3;   // past 2 GiB, and not a whole number of pieces
    private const int Period = 251;                             // a prime: pieces swapped or shifted show

    [Fact]
    public void TensorOver2GiB_IsCopiedWhole()
    {
        var shm = new DriveInfo("/dev/shm");
        Assert.True(shm.AvailableFreeSpace > Length + (1L << 30), $"/dev/shm has {shm.AvailableFreeSpace:N0} bytes free; this test writes {Length:N0} there");
        using var checkpoint = new TempCheckpoint("/dev/shm");
        var stopwatch = Stopwatch.StartNew();
        var path = checkpoint.Add(new TensorToWrite("x", DType.U8, [Length], WritePattern)).Write();
        output.WriteLine($"written in {stopwatch.Elapsed.TotalSeconds:F1} s");

        stopwatch.Restart();
        using var holder = new Holder(torch.empty(Length, ScalarType.Byte));
        var anonymousBefore = AnonymousResidentBytes();
        var report = holder.LoadCheckpoint(path);
        var anonymousGrowth = AnonymousResidentBytes() - anonymousBefore;
        output.WriteLine($"loaded in {stopwatch.Elapsed.TotalSeconds:F1} s: {report}; anonymous memory +{anonymousGrowth:N0} bytes");

        Assert.Equal(Length, report.Bytes);
        // One copy: private memory grows by the destination only (the source is the file's shared pages). A second copy
        // of the tensor anywhere would add another 2 GiB; the margin covers other tests running at the same time.
        Assert.InRange(anonymousGrowth, Length - (64L << 20), Length + (512L << 20));
        var expected = Pattern(256 << 20);
        for (long start = 0; start < Length; start += 256 << 20)
        {
            var count = (int)Math.Min(256 << 20, Length - start);
            using var piece = holder.X.narrow(0, start, count);
            var phase = (int)(start % Period);
            Assert.True(piece.bytes.SequenceEqual(expected.AsSpan(phase, count)), $"bytes differ in [{start:N0}, +{count:N0})");
        }
    }

    private static long AnonymousResidentBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("RssAnon:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    private static void WritePattern(Stream stream)
    {
        var pattern = Pattern(1 << 20);
        for (long written = 0; written < Length;)
        {
            var count = (int)Math.Min(1 << 20, Length - written);
            stream.Write(pattern, (int)(written % Period), count);
            written += count;
        }
    }

    /// <summary>Byte i is i mod <see cref="Period"/>; one period more than asked, so any phase can be sliced from it.</summary>
    private static byte[] Pattern(int length) => [.. Enumerable.Range(0, length + Period).Select(i => (byte)(i % Period))];
}
