using TorchSharp;

namespace Checkpoints.TorchSharp.Tests.Native;

/// <summary>
/// The test output's own (prepared) copy of TorchSharp's native glue is the one loaded; a failed native load would
/// otherwise show as TorchSharp's misleading "doesn't contain a reference to libtorch-cpu-linux-x64".
/// </summary>
public sealed class NativeLibraryTests
{
    [Fact]
    public void NativeGlue_IsLoadedFromTheTestOutputFolder()
    {
        using var forcesNativeLoad = torch.ones(1);
        var glue = File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1])
            .First(path => path.EndsWith("/libLibTorchSharp.so", StringComparison.Ordinal));
        Assert.StartsWith(AppContext.BaseDirectory, glue, StringComparison.Ordinal);
    }
}
