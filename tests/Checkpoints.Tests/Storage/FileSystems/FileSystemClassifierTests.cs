using Checkpoints.Storage.Facts;
using Checkpoints.Storage.FileSystems;


namespace Checkpoints.Tests.Storage.FileSystems;

public class FileSystemClassifierTests
{
    [Theory]
    [InlineData("nfs")]
    [InlineData("nfs4")]
    [InlineData("lustre")]
    [InlineData("gpfs")]
    [InlineData("ceph")]
    [InlineData("cephfs")]
    [InlineData("beegfs")]
    [InlineData("fhgfs")]
    [InlineData("wekafs")]
    [InlineData("glusterfs")]
    [InlineData("cifs")]
    [InlineData("smb3")]
    [InlineData("9p")]
    [InlineData("virtiofs")]
    [InlineData("panfs")]
    [InlineData("afs")]
    [InlineData("orangefs")]
    [InlineData("davfs")]
    [InlineData("fuse.sshfs")]
    [InlineData("fuse.gcsfuse")]
    [InlineData("fuse.s3fs")]
    [InlineData("fuse.blobfuse2")]
    [InlineData("fuse.juicefs")]
    [InlineData("fuse.ceph-fuse")]
    [InlineData("fuse.mountpoint-s3")]
    [InlineData("fuse.rclone")]
    [InlineData("fuse.glusterfs")]
    [InlineData("fuse.goofys")]
    [InlineData("fuse.alluxio-fuse")]
    public void Classify_ReadsNetwork(string type)
    {
        Assert.Equal(FileSystemClass.Network, FileSystemClassifier.Default.Classify(type).Class);
    }

    [Theory]
    [InlineData("ext2")]
    [InlineData("ext3")]
    [InlineData("ext4")]
    [InlineData("xfs")]
    [InlineData("btrfs")]
    [InlineData("zfs")]
    [InlineData("f2fs")]
    [InlineData("bcachefs")]
    [InlineData("overlay")]
    [InlineData("fuseblk")]
    [InlineData("fuse.squashfuse")]
    public void Classify_ReadsLocal(string type)
    {
        Assert.Equal(FileSystemClass.Local, FileSystemClassifier.Default.Classify(type).Class);
    }

    [Theory]
    [InlineData("tmpfs")]
    [InlineData("ramfs")]
    public void Classify_ReadsMemory(string type)
    {
        Assert.Equal(FileSystemClass.Memory, FileSystemClassifier.Default.Classify(type).Class);
    }

    [Fact]
    public void Classify_SaysUnknownWithSubtype_ForUnlistedFuse()
    {
        var (cls, reason) = FileSystemClassifier.Default.Classify("fuse.mysteryfs");

        Assert.Equal(FileSystemClass.Unknown, cls);
        Assert.Contains("'mysteryfs'", reason, StringComparison.Ordinal);
        Assert.Contains("CKPT_NETWORK_FS", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fuse")]
    [InlineData("weirdfs")]
    public void Classify_SaysUnknown_ForUnlistedTypes(string type)
    {
        Assert.Equal(FileSystemClass.Unknown, FileSystemClassifier.Default.Classify(type).Class);
    }

    [Theory]
    [InlineData("fuse.corpfs", "fuse.corpfs")]
    [InlineData("corpfs", "fuse.corpfs")]
    [InlineData("corpfs", "corpfs")]
    [InlineData("CorpFS", "corpfs")]
    public void Classify_ReadsNetwork_WhenUserListsTheType(string listed, string type)
    {
        var classifier = new FileSystemClassifier([listed]);

        var (cls, reason) = classifier.Classify(type);

        Assert.Equal(FileSystemClass.Network, cls);
        Assert.Contains("user's network file system list", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_UserListDoesNotLeakIntoDefault()
    {
        _ = new FileSystemClassifier(["fuse.corpfs"]);

        Assert.Equal(FileSystemClass.Unknown, FileSystemClassifier.Default.Classify("fuse.corpfs").Class);
    }

    [Fact]
    public void ParseList_SplitsCommasAndDropsBlanks()
    {
        Assert.Equal(["fuse.a", "b"], StorageProbeOptions.ParseList(" fuse.a, ,b,"));
    }
}
