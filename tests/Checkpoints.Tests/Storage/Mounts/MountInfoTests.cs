using Checkpoints.Storage.Mounts;
using Checkpoints.Tests.TestSupport;


namespace Checkpoints.Tests.Storage.Mounts;

public class MountInfoTests
{
    [Fact]
    public void Parse_ReadsEveryField()
    {
        var entry = Assert.Single(MountInfo.Parse(
            "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue\n"));

        Assert.Equal(new MountInfoEntry(36, 35, 98, 0, "/mnt1", "/mnt2", "ext3", "/dev/root", "rw,errors=continue"), entry);
    }

    [Fact]
    public void Parse_SkipsBlankAndMalformedLines()
    {
        var entries = MountInfo.Parse("\n garbage\n1 2 x:y / / rw - ext4 /dev/a rw\n27 1 254:0 / / rw - ext4 /dev/vda rw\n");

        Assert.Equal("/dev/vda", Assert.Single(entries).Source);
    }

    [Fact]
    public void Parse_MapsSourceNoneToNull()
    {
        var entry = Assert.Single(MountInfo.Parse("50 1 0:40 / /x rw - overlay none rw\n"));

        Assert.Null(entry.Source);
    }

    [Theory]
    [InlineData(@"/mnt/my\040models", "/mnt/my models")]
    [InlineData(@"a\011b\012c\134d", "a\tb\nc\\d")]
    [InlineData(@"trailing\04", @"trailing\04")]
    [InlineData(@"not\999octal", @"not\999octal")]
    public void Unescape_DecodesKernelOctalEscapes(string raw, string expected)
    {
        Assert.Equal(expected, MountInfo.Unescape(raw));
    }

    [Fact]
    public void Read_DecodesEscapedMountPointsAndSources()
    {
        var entries = MountInfo.Read(FixturePaths.Storage("mountinfo", "escaped.txt"));

        Assert.Contains(entries, e => e.MountPoint == "/mnt/my models" && e.Source == "storage:/export/with space");
        Assert.Contains(entries, e => e.MountPoint == "/mnt/tab\tand\nnewline\\backslash");
    }

    [Fact]
    public void FindVisibleMount_TakesLastEntry_WhenOverMounted()
    {
        var entries = MountInfo.Read(FixturePaths.Storage("mountinfo", "overmount.txt"));

        var mount = MountInfo.FindVisibleMount(entries, "/models/llama/model.safetensors");

        Assert.Equal(61, mount!.MountId);
        Assert.Equal("nfs4", mount.FileSystemType);
    }

    [Fact]
    public void FindVisibleMount_MatchesWholeComponents_NotStringPrefixes()
    {
        var entries = MountInfo.Read(FixturePaths.Storage("mountinfo", "overmount.txt"));

        // "/models-old" starts with "/models" but is another mount; "/modelsx" is under neither.
        Assert.Equal(62, MountInfo.FindVisibleMount(entries, "/models-old/a")!.MountId);
        Assert.Equal(27, MountInfo.FindVisibleMount(entries, "/modelsx/a")!.MountId);
    }

    [Theory]
    [InlineData("/a/b", "/a", true)]
    [InlineData("/a", "/a", true)]
    [InlineData("/ab", "/a", false)]
    [InlineData("/anything", "/", true)]
    [InlineData("/a/b", "/a/", true)]
    public void IsUnder_ComparesByComponent(string path, string directory, bool expected)
    {
        Assert.Equal(expected, MountInfo.IsUnder(path, directory));
    }
}
