using Checkpoints.Interop;
using Checkpoints.Storage.FileSystems;
using Checkpoints.Storage.Mounts;
using Checkpoints.Tests.TestSupport;


namespace Checkpoints.Tests.Storage.FileSystems;

public class FileSystemProbeTests
{
    private static readonly FileSystemProbe Probe = new("unused", FileSystemClassifier.Default);

    private static IReadOnlyList<MountInfoEntry> Mounts(string name) => MountInfo.Read(FixturePaths.Storage("mountinfo", name));

    private static FileSystemFacts Resolve(string fixture, string path, (uint, uint)? device = null, long? magic = null, FileSystemProbe? probe = null) =>
        (probe ?? Probe).Resolve(path, path, Mounts(fixture), device, magic);

    [Fact]
    public void Probe_ReadsLastEntry_WhenOverMounted()
    {
        var facts = Resolve("overmount.txt", "/models/a.safetensors", (0, 51), StatfsMagic.Nfs);

        Assert.Equal("nfs4", facts.FileSystemType);
        Assert.Equal("/models", facts.MountPoint);
        Assert.Equal("storage:/export/models", facts.MountSource);
        Assert.Equal(FileSystemClass.Network, facts.Class);
        Assert.Equal(StatfsMagic.Nfs, facts.StatfsMagic);
    }

    [Fact]
    public void Probe_ReadsLastEntry_WhenOverMountedAndNothingElseIsKnown()
    {
        var facts = Resolve("overmount.txt", "/models/a.safetensors");

        Assert.Equal("nfs4", facts.FileSystemType);
    }

    [Fact]
    public void Probe_FindsMount_WhenPathHasEscapedSpace()
    {
        var facts = Resolve("escaped.txt", "/mnt/my models/a.safetensors");

        Assert.Equal("/mnt/my models", facts.MountPoint);
        Assert.Equal("nfs", facts.FileSystemType);
        Assert.Equal(FileSystemClass.Network, facts.Class);
    }

    [Fact]
    public void Probe_DoesNotConfuseEscapedMountWithItsPrefix()
    {
        Assert.Equal("tmpfs", Resolve("escaped.txt", "/mnt/my/a").FileSystemType);
    }

    [Theory]
    [InlineData("/mnt/ssh/a", "fuse.sshfs", FileSystemClass.Network)]
    [InlineData("/mnt/gcs/a", "fuse.gcsfuse", FileSystemClass.Network)]
    [InlineData("/mnt/juice/a", "fuse.juicefs", FileSystemClass.Network)]
    [InlineData("/mnt/s3/a", "fuse.mountpoint-s3", FileSystemClass.Network)]
    [InlineData("/mnt/squash/a", "fuse.squashfuse", FileSystemClass.Local)]
    [InlineData("/mnt/mystery/a", "fuse.mysteryfs", FileSystemClass.Unknown)]
    [InlineData("/mnt/bare/a", "fuse", FileSystemClass.Unknown)]
    [InlineData("/home/a", "ext4", FileSystemClass.Local)]
    public void Probe_ClassifiesFuseSubtypes(string path, string type, FileSystemClass expected)
    {
        var facts = Resolve("fuse.txt", path, magic: type.StartsWith("fuse", StringComparison.Ordinal) ? StatfsMagic.Fuse : StatfsMagic.Ext);

        Assert.Equal(type, facts.FileSystemType);
        Assert.Equal(expected, facts.Class);
    }

    [Fact]
    public void Probe_ReadsNetwork_WhenUserListsInHouseFuse()
    {
        var probe = new FileSystemProbe("unused", new FileSystemClassifier(["fuse.corpfs"]));

        Assert.Equal(FileSystemClass.Network, Resolve("fuse.txt", "/mnt/inhouse/a", probe: probe).Class);
        Assert.Equal(FileSystemClass.Unknown, Resolve("fuse.txt", "/mnt/inhouse/a").Class);
    }

    [Fact]
    public void Probe_ReportsBindMountRoot()
    {
        var facts = Resolve("bind.txt", "/data/llama/a.safetensors", (0, 80), StatfsMagic.Nfs);

        Assert.Equal("/data", facts.MountPoint);
        Assert.Equal("/team/models", facts.MountRoot);
        Assert.Equal("nfs4", facts.FileSystemType);
        Assert.Equal(FileSystemClass.Network, facts.Class);
    }

    [Fact]
    public void Probe_FollowsDevice_WhenPathMountDoesNotHoldTheFile()
    {
        // /srv is tmpfs by path, but the file's device is the NFS mount's: something (a bind or move the table
        // shows differently, an overlay passing through the real st_dev) puts NFS under it.
        var facts = Resolve("bind.txt", "/srv/a.safetensors", (0, 80), StatfsMagic.Nfs);

        Assert.Equal("nfs4", facts.FileSystemType);
        Assert.Equal(FileSystemClass.Network, facts.Class);
        Assert.Contains("device 0:80", facts.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_IgnoresDevice_WhenStatfsContradictsIt()
    {
        // The device points at NFS, but statfs says tmpfs, which agrees with the mount by path.
        var facts = Resolve("bind.txt", "/srv/a.safetensors", (0, 80), StatfsMagic.Tmpfs);

        Assert.Equal("tmpfs", facts.FileSystemType);
        Assert.Equal(FileSystemClass.Memory, facts.Class);
    }

    [Fact]
    public void Probe_KeepsPathMount_WhenNoEntryHasTheDevice()
    {
        // btrfs subvolumes report device numbers the mount table does not list.
        var facts = Resolve("bind.txt", "/srv/a", (0, 999), StatfsMagic.Tmpfs);

        Assert.Equal("tmpfs", facts.FileSystemType);
        Assert.DoesNotContain("device", facts.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_PrefersEntryAgreeingWithStatfs_WhenTopEntryDisagrees()
    {
        var mounts = MountInfo.Parse("""
            27 1 254:0 / / rw - ext4 /dev/vda rw
            60 27 0:51 / /data rw - nfs4 storage:/export rw
            61 27 0:52 / /data rw - tmpfs tmpfs rw
            """);

        var facts = Probe.Resolve("/data/a", "/data/a", mounts, null, StatfsMagic.Nfs);

        Assert.Equal("nfs4", facts.FileSystemType);
        Assert.Equal(FileSystemClass.Network, facts.Class);
        Assert.Contains("statfs says nfs", facts.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_TakesStatfsType_WhenNoEntryAgrees()
    {
        var mounts = MountInfo.Parse("27 1 254:0 / / rw - ext4 /dev/vda rw\n");

        var facts = Probe.Resolve("/x/a", "/x/a", mounts, null, StatfsMagic.Lustre);

        Assert.Equal("lustre", facts.FileSystemType);
        Assert.Equal("/", facts.MountPoint);
        Assert.Equal(FileSystemClass.Network, facts.Class);
    }

    [Fact]
    public void Probe_UsesStatfsMagic_WhenMountTableIsEmpty()
    {
        var facts = Probe.Resolve("/x/a", "/x/a", [], null, StatfsMagic.Gpfs);

        Assert.Equal("gpfs", facts.FileSystemType);
        Assert.Null(facts.MountPoint);
        Assert.Equal(FileSystemClass.Network, facts.Class);
    }

    [Fact]
    public void Probe_SaysUnknown_WhenNothingIsKnown()
    {
        var facts = Probe.Resolve("/x/a", "/x/a", [], null, 0x12345);

        Assert.Equal("unknown", facts.FileSystemType);
        Assert.Equal(FileSystemClass.Unknown, facts.Class);
    }

    [Fact]
    public void Probe_ReadsOverlayLocal_WhenLayersAreLocal()
    {
        var facts = Resolve("overlay.txt", "/app/model.safetensors", (0, 90), StatfsMagic.Overlay);

        Assert.Equal("overlay", facts.FileSystemType);
        Assert.Equal(FileSystemClass.Local, facts.Class);
        Assert.Contains("upper ext4", facts.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_ReadsOverlayNetwork_WhenUpperLayerIsOnNfs()
    {
        var facts = Resolve("overlay.txt", "/cache/model.safetensors", (0, 91), StatfsMagic.Overlay);

        Assert.Equal("overlay", facts.FileSystemType);
        Assert.Equal(FileSystemClass.Network, facts.Class);
        Assert.Contains("upper layer /mnt/nfs/upper is on nfs4", facts.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_ReadsOverlayNetwork_WhenALowerLayerIsOnNfs()
    {
        var facts = Resolve("overlay.txt", "/lowernet/model.safetensors", (0, 94), StatfsMagic.Overlay);

        Assert.Equal(FileSystemClass.Network, facts.Class);
        Assert.Contains("lower layer /mnt/nfs/base", facts.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_ReadsOverlayLocal_WhenLayersAreNotVisible()
    {
        var mounts = MountInfo.Parse("100 1 0:90 / / rw - overlay overlay rw,lowerdir=/h/l,upperdir=/h/u,workdir=/h/w\n");

        var facts = Probe.Resolve("/a", "/a", mounts, (0, 90), StatfsMagic.Overlay);

        Assert.Equal(FileSystemClass.Local, facts.Class);
        Assert.Contains("not visible", facts.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_FollowsDeviceThroughOverlay_ToNfs()
    {
        // Overlay reports the real file system's st_dev for regular files: the file lives on the NFS mount.
        var facts = Resolve("overlay.txt", "/ctr/model.safetensors", (0, 92), StatfsMagic.Overlay);

        Assert.Equal("nfs4", facts.FileSystemType);
        Assert.Equal("/mnt/nfs", facts.MountPoint);
        Assert.Equal(FileSystemClass.Network, facts.Class);
        Assert.Contains("reached through the overlay mount at /ctr", facts.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void OverlayLayers_ListsUpperFirst_AndUnescapesColons()
    {
        var layers = FileSystemProbe.OverlayLayers(@"rw,lowerdir=/l/a\:b:/l/c,upperdir=/u,workdir=/w");

        Assert.Equal([("upper", "/u"), ("lower", "/l/a:b"), ("lower", "/l/c")], layers);
    }

    [Theory]
    [InlineData(StatfsMagic.Nfs, "nfs4", true)]
    [InlineData(StatfsMagic.Nfs, "nfs", true)]
    [InlineData(StatfsMagic.Nfs, "ext4", false)]
    [InlineData(StatfsMagic.Fuse, "fuse.sshfs", true)]
    [InlineData(StatfsMagic.Fuse, "virtiofs", true)]
    [InlineData(StatfsMagic.Fuse, "nfs4", false)]
    [InlineData(StatfsMagic.Ext, "ext3", true)]
    [InlineData(StatfsMagic.Cifs, "smb3", true)]
    [InlineData(StatfsMagic.BeeGfs, "fhgfs", true)]
    public void MagicAgrees_MatchesTypeToMagic(long magic, string type, bool expected)
    {
        Assert.Equal(expected, FileSystemClassifier.MagicAgrees(magic, type));
    }

    [Fact]
    public void StatfsMagic_HasNoOpinion_OnUnknownMagic()
    {
        Assert.Null(FileSystemClassifier.MagicAgrees(0x1234, "ext4"));
    }

    // Against the real machine.

    [Fact]
    public void Probe_ReadsMemory_ForFileUnderDevShm()
    {
        Prerequisites.RequireLinux();
        var path = Path.Combine("/dev/shm", $"ckpt-test-{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, new byte[4096]);
        try
        {
            var facts = FileSystemProbe.CreateDefault().Probe(path);

            Assert.Equal("tmpfs", facts.FileSystemType);
            Assert.Equal(FileSystemClass.Memory, facts.Class);
            Assert.Equal(StatfsMagic.Tmpfs, facts.StatfsMagic);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Probe_ReadsLocal_ForTheRepository()
    {
        Prerequisites.RequireLinux();

        var facts = FileSystemProbe.CreateDefault().Probe(typeof(FileSystemProbeTests).Assembly.Location);

        Assert.Equal(FileSystemClass.Local, facts.Class);
        Assert.NotNull(facts.StatfsMagic);
    }

    [Fact]
    public void Probe_ResolvesSymbolicLinks_LikeTheHuggingFaceCache()
    {
        Prerequisites.RequireLinux();
        var root = Directory.CreateTempSubdirectory("ckpt-hf-");
        var blobOnShm = Path.Combine("/dev/shm", $"ckpt-blob-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllBytes(blobOnShm, new byte[16]);
            var snapshot = Directory.CreateDirectory(Path.Combine(root.FullName, "snapshots", "abc")).FullName;
            var link = Path.Combine(snapshot, "model.safetensors");
            File.CreateSymbolicLink(link, blobOnShm);

            var facts = FileSystemProbe.CreateDefault().Probe(link);

            Assert.Equal(link, facts.Path);
            Assert.Equal(blobOnShm, facts.RealPath);
            Assert.Equal(FileSystemClass.Memory, facts.Class);
        }
        finally
        {
            root.Delete(recursive: true);
            File.Delete(blobOnShm);
        }
    }

    [Fact]
    public void Probe_Throws_ForMissingFile()
    {
        Prerequisites.RequireLinux();
        var missing = Path.Combine(Path.GetTempPath(), $"ckpt-missing-{Guid.NewGuid():N}");

        var e = Assert.Throws<FileNotFoundException>(() => FileSystemProbe.CreateDefault().Probe(missing));

        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_ReadsNetwork_ForSshfsMount()
    {
        await using var mount = await SshfsMount.StartAsync();
        var file = Path.Combine(mount.MountPoint, "model.safetensors");
        await File.WriteAllBytesAsync(file, new byte[8192]);

        var facts = FileSystemProbe.CreateDefault().Probe(file);

        Assert.Equal("fuse.sshfs", facts.FileSystemType);
        Assert.Equal(mount.MountPoint, facts.MountPoint);
        Assert.Equal($"127.0.0.1:{mount.ServedDirectory}", facts.MountSource);
        Assert.Equal(StatfsMagic.Fuse, facts.StatfsMagic);
        Assert.Equal(FileSystemClass.Network, facts.Class);
    }
}
