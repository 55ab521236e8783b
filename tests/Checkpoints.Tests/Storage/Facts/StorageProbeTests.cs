using Checkpoints.Storage.Facts;
using Checkpoints.Storage.FileSystems;
using Checkpoints.Tests.TestSupport;


namespace Checkpoints.Tests.Storage.Facts;

public class StorageProbeTests
{
    [Fact]
    public void Probe_KeepsFileOrder_AndClassifiesEachFile()
    {
        Prerequisites.RequireLinux();
        var shm = Path.Combine("/dev/shm", $"ckpt-test-{Guid.NewGuid():N}");
        var local = Path.Combine(AppContext.BaseDirectory, $"ckpt-test-{Guid.NewGuid():N}");
        File.WriteAllBytes(shm, new byte[100]);
        File.WriteAllBytes(local, new byte[200]);
        try
        {
            var facts = StorageProbe.Probe([local, shm], new StorageProbeOptions());

            Assert.Equal([local, shm], facts.Files.Select(f => f.FileSystem.Path));
            Assert.Equal([FileSystemClass.Local, FileSystemClass.Memory], facts.Files.Select(f => f.FileSystem.Class));
            Assert.Equal([200L, 100L], facts.Files.Select(f => f.Residency.SizeBytes));
            Assert.NotNull(facts.Memory.BindingAvailableBytes);
        }
        finally
        {
            File.Delete(shm);
            File.Delete(local);
        }
    }

    [Fact]
    public void Probe_AppliesUserNetworkList()
    {
        Prerequisites.RequireLinux();
        var shm = Path.Combine("/dev/shm", $"ckpt-test-{Guid.NewGuid():N}");
        File.WriteAllBytes(shm, new byte[1]);
        try
        {
            var facts = StorageProbe.Probe([shm], new StorageProbeOptions { AdditionalNetworkFileSystems = ["tmpfs"], MeasureResidency = false });

            Assert.Equal(FileSystemClass.Network, facts.Files[0].FileSystem.Class);
            Assert.Null(facts.Files[0].Residency.CachedBytes);
        }
        finally
        {
            File.Delete(shm);
        }
    }

    [Fact]
    public void Probe_UsesFixtureRoots_ForMemory()
    {
        var options = new StorageProbeOptions { ProcRoot = FixturePaths.Storage("cgroup-v2", "proc"), CgroupRoot = FixturePaths.Storage("cgroup-v2", "cgroup") };

        var facts = StorageProbe.Probe([], options);

        Assert.Equal("/x/y", facts.Memory.BindingCgroup!.CgroupPath);
    }
}
