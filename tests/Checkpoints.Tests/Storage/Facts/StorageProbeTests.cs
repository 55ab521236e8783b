using Checkpoints.Interop;
using Checkpoints.Storage.Cache;
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
    public void Probe_GivesEachFileTheStatfsMagicOfItsOwnMount_WhenManyShareMounts()
    {
        Prerequisites.RequireLinux();
        var shm = Enumerable.Range(0, 3).Select(_ => Path.Combine("/dev/shm", $"ckpt-test-{Guid.NewGuid():N}")).ToArray();
        var local = Enumerable.Range(0, 3).Select(_ => Path.Combine(AppContext.BaseDirectory, $"ckpt-test-{Guid.NewGuid():N}")).ToArray();
        string[] files = [.. shm.Zip(local).SelectMany(static pair => new[] { pair.First, pair.Second })];
        foreach (var file in files)
        {
            File.WriteAllBytes(file, new byte[10]);
        }

        try
        {
            // The magic is asked once per mount: files interleaved across two mounts must still get their own mount's.
            var facts = StorageProbe.Probe(files, new StorageProbeOptions { MeasureResidency = false });

            var alone = files.Select(static file => FileSystemProbe.CreateDefault().Probe(file).StatfsMagic).ToArray();
            Assert.Equal(alone, facts.Files.Select(static file => file.FileSystem.StatfsMagic));
            Assert.All(facts.Files.Where(file => shm.Contains(file.FileSystem.Path)), static file => Assert.Equal(StatfsMagic.Tmpfs, file.FileSystem.StatfsMagic));
            Assert.All(facts.Files.Where(file => local.Contains(file.FileSystem.Path)), static file => Assert.NotEqual(StatfsMagic.Tmpfs, file.FileSystem.StatfsMagic));
        }
        finally
        {
            foreach (var file in files)
            {
                File.Delete(file);
            }
        }
    }

    [Fact]
    public void Probe_UsesTheResidenciesGiven_InsteadOfMeasuringThem()
    {
        Prerequisites.RequireLinux();
        var shm = Path.Combine("/dev/shm", $"ckpt-test-{Guid.NewGuid():N}");
        File.WriteAllBytes(shm, new byte[100]);
        try
        {
            var given = new FileResidency(shm, 100, 42, ResidencyMethod.Cachestat, "measured by the caller");

            var facts = StorageProbe.Probe([shm], new StorageProbeOptions(), [given], CancellationToken.None);

            Assert.Same(given, facts.Files[0].Residency);
            Assert.Throws<ArgumentException>(() => StorageProbe.Probe([shm], new StorageProbeOptions(), [given, given], CancellationToken.None));
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
