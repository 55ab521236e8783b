using System.Diagnostics;
using System.Text.Json;
using Checkpoints.Format;
using Checkpoints.Reliability.Tests.TestSupport;
using Checkpoints.Synthesis;
using Checkpoints.Tests.TestSupport;
using Xunit.Abstractions;


namespace Checkpoints.Reliability.Tests;

/// <summary>
/// Eight loader processes start at the same moment on one checkpoint on the emulated network file system, as the
/// tensor-parallel ranks of one server would, without being told about each other (no ranks given). Each must get
/// every byte right, and the node must read each file from the storage about once: the proxy counts what crossed.
/// </summary>
public sealed class ConcurrentLoadersTests(ITestOutputHelper output)
{
    private const int Processes = 8;
    private const long CheckpointBytes = 96L << 20;

    [Fact]
    public async Task EightProcesses_AllGetEveryByte_AndTheStorageIsReadAboutOnce()
    {
        await using var net = await ProxiedSshfs.StartAsync(
            directory => SyntheticCheckpoint.Write(directory, CheckpointBytes, shardCount: 4, DType.BF16), TimeSpan.FromMilliseconds(1));
        using var locks = new TempDirectory();
        ulong expected;
        using (var local = Checkpoint.Open(net.ServedDirectory))
        {
            expected = ContentDigest.Compute(local).Digest;
        }

        var fileBytes = Directory.GetFiles(net.ServedDirectory, "*.safetensors").Sum(static file => new FileInfo(file).Length);
        var before = net.Proxy.GetStatistics().BytesServerToClient;

        var loaders = Enumerable.Range(0, Processes).Select(_ => StartLoader(net.MountPoint, locks.Path)).ToList();
        var results = await Task.WhenAll(loaders.Select(static loader => loader.WaitAsync()));

        var carried = net.Proxy.GetStatistics().BytesServerToClient - before;
        output.WriteLine($"{Processes} processes, checkpoint files {fileBytes:N0} bytes, proxy carried {carried:N0} bytes server to client ({(double)carried / fileBytes:0.00}x)");
        Assert.All(results, result =>
        {
            Assert.True(result.ExitCode == 0, $"a loader exited with {result.ExitCode}: {result.Error}");
            Assert.Equal(expected.ToString("x16", System.Globalization.CultureInfo.InvariantCulture), Digest(result.Output));
        });

        // Every byte crossed at least once (the mount was cold), and the eight processes did not read it eight times.
        Assert.InRange(carried, fileBytes, (long)(fileBytes * 1.5));
    }

    private static string? Digest(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("digest").GetString();
    }

    private static Loader StartLoader(string path, string lockDirectory)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "ckpt.dll"), "load", path, "--json", "--block-size", "4MiB"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["CKPT_LOCK_DIR"] = lockDirectory;
        start.Environment.Remove("CKPT_LOAD_STRATEGY");
        return new Loader(Process.Start(start)!);
    }

    private sealed class Loader(Process process)
    {
        private static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);

        public async Task<(int ExitCode, string Output, string Error)> WaitAsync()
        {
            using (process)
            {
                var output = process.StandardOutput.ReadToEndAsync();
                var error = process.StandardError.ReadToEndAsync();
                try
                {
                    await process.WaitForExitAsync().WaitAsync(Patience);
                }
                catch (TimeoutException)
                {
                    process.Kill(entireProcessTree: true);
                    throw;
                }

                return (process.ExitCode, await output, await error);
            }
        }
    }
}
