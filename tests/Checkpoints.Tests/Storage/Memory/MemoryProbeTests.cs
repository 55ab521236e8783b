using Checkpoints.Storage.Memory;
using Checkpoints.Tests.TestSupport;


namespace Checkpoints.Tests.Storage.Memory;

public class MemoryProbeTests
{
    private const long GiB = 1L << 30;
    private const long MiB = 1L << 20;

    private static MemoryFacts ProbeFixture(string name) =>
        new MemoryProbe(FixturePaths.Storage(name, "proc"), cgroupRoot: FixturePaths.Storage(name, "cgroup")).Probe();

    [Fact]
    public void Probe_BindsTightestLevel_WhenItIsInTheMiddle_V1()
    {
        var facts = ProbeFixture("cgroup-v1");

        Assert.Equal(["/a/b/c", "/a/b", "/a", "/"], facts.CgroupLevels.Select(l => l.CgroupPath));
        Assert.All(facts.CgroupLevels, l => Assert.Equal(1, l.Version));
        Assert.Equal(MemoryLimitSource.Cgroup, facts.BindingSource);
        Assert.Equal("/a/b", facts.BindingCgroup!.CgroupPath);
        Assert.Equal(512 * MiB, facts.BindingAvailableBytes);
        Assert.Contains("cgroup /a/b (v1)", facts.BindingDescription, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_ReportsEveryLevelsNumbers_V1()
    {
        var levels = ProbeFixture("cgroup-v1").CgroupLevels;

        Assert.Equivalent(new CgroupMemoryLevel("/a/b/c", FixturePaths.Storage("cgroup-v1", "cgroup", "memory", "a", "b", "c"), 1, 3 * GiB, 1 * GiB, 100000001), levels[0]);
        Assert.Equal(2 * GiB, levels[0].AvailableBytes);
        Assert.Equal((13 * GiB) / 2, levels[2].AvailableBytes);
    }

    [Fact]
    public void Probe_PrefersHierarchicalTotalInactiveFile_V1()
    {
        Assert.Equal(200000000, ProbeFixture("cgroup-v1").CgroupLevels[1].InactiveFileBytes);
    }

    [Fact]
    public void Probe_TreatsHugeV1Value_AsNoLimit()
    {
        var root = ProbeFixture("cgroup-v1").CgroupLevels[^1];

        Assert.Null(root.LimitBytes);
        Assert.Null(root.AvailableBytes);
        Assert.Equal(5000000000, root.UsageBytes);
    }

    [Fact]
    public void Probe_BindsOneGiBLevel_V2()
    {
        var facts = ProbeFixture("cgroup-v2");

        // The root has no memory.max or memory.current and is not a level.
        Assert.Equal(["/x/y", "/x"], facts.CgroupLevels.Select(l => l.CgroupPath));
        Assert.All(facts.CgroupLevels, l => Assert.Equal(2, l.Version));
        Assert.Equal("/x/y", facts.BindingCgroup!.CgroupPath);
        Assert.Equal(1 * GiB, facts.BindingCgroup.LimitBytes);
        Assert.Equal(768 * MiB, facts.BindingAvailableBytes);
        Assert.Equal(104857600, facts.BindingCgroup.InactiveFileBytes);
        Assert.Contains("reclaimable inactive page cache", facts.BindingDescription, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_TreatsMax_AsNoLimit_V2()
    {
        var x = ProbeFixture("cgroup-v2").CgroupLevels[1];

        Assert.Null(x.LimitBytes);
        Assert.Equal(2000000000, x.UsageBytes);
        Assert.Equal(400000000, x.InactiveFileBytes);
    }

    [Fact]
    public void Probe_ReadsHostMemInfo()
    {
        var facts = ProbeFixture("cgroup-v2");

        Assert.Equal(8192000 * 1024L, facts.HostAvailableBytes);
        Assert.Equal(16384000 * 1024L, facts.HostTotalBytes);
        Assert.Equal("MemAvailable", facts.HostAvailableSource);
    }

    [Fact]
    public void Probe_BindsHost_WhenHostHasLessThanAnyCgroup()
    {
        var facts = new MemoryProbe(FixturePaths.Storage("meminfo-tight"), cgroupRoot: FixturePaths.Storage("cgroup-v2", "cgroup")).Probe();

        // No self/cgroup in this proc tree: no levels at all, the host binds.
        Assert.Empty(facts.CgroupLevels);
        Assert.Equal(MemoryLimitSource.Host, facts.BindingSource);
        Assert.Equal(256 * MiB, facts.BindingAvailableBytes);
        Assert.Null(facts.BindingCgroup);
    }

    [Fact]
    public void Decide_BindsHost_WhenCgroupLeavesMore()
    {
        var level = new CgroupMemoryLevel("/a", "/sys/fs/cgroup/a", 2, 4 * GiB, 1 * GiB, 0);

        var facts = MemoryProbe.Decide(2 * GiB, 8 * GiB, "MemAvailable", [level]);

        Assert.Equal(MemoryLimitSource.Host, facts.BindingSource);
        Assert.Equal(2 * GiB, facts.BindingAvailableBytes);
        Assert.Contains("every cgroup limit leaves more", facts.BindingDescription, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_ClampsAvailableAtZero_WhenUsageExceedsLimit()
    {
        var level = new CgroupMemoryLevel("/a", "/x", 1, 1 * GiB, 2 * GiB, null);

        Assert.Equal(0, MemoryProbe.Decide(8 * GiB, 8 * GiB, "MemAvailable", [level]).BindingAvailableBytes);
    }

    [Fact]
    public void Decide_SaysUnknown_WhenNothingIsKnown()
    {
        var facts = MemoryProbe.Decide(null, null, "unknown", []);

        Assert.Equal(MemoryLimitSource.Unknown, facts.BindingSource);
        Assert.Null(facts.BindingAvailableBytes);
    }

    [Fact]
    public void Probe_EstimatesAvailable_WhenMemAvailableIsMissing()
    {
        var facts = new MemoryProbe(FixturePaths.Storage("meminfo-old")).Probe();

        // MemFree + Buffers + Cached - Shmem = 100000 + 20000 + 300000 - 50000 kB.
        Assert.Equal(370000 * 1024L, facts.HostAvailableBytes);
        Assert.StartsWith("MemFree+Buffers+Cached-Shmem", facts.HostAvailableSource, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_SaysUnknown_WhenMemInfoHasNoFreeNumbers()
    {
        var facts = new MemoryProbe(FixturePaths.Storage("meminfo-bare")).Probe();

        Assert.Null(facts.HostAvailableBytes);
        Assert.Equal(4000000 * 1024L, facts.HostTotalBytes);
        Assert.Equal(MemoryLimitSource.Unknown, facts.BindingSource);
    }

    [Theory]
    [InlineData("max", null)]
    [InlineData("9223372036854771712", null)]
    [InlineData("9223372036854710272", null)]
    [InlineData("4611686018427387904", null)]
    [InlineData("4611686018427387903", 4611686018427387903L)]
    [InlineData("1073741824", 1073741824L)]
    [InlineData("garbage", null)]
    public void ParseLimit_RecognisesNoLimit(string text, long? expected)
    {
        Assert.Equal(expected, MemoryProbe.ParseLimit(text));
    }

    [Fact]
    public void ParseMembership_FindsMemoryControllerAndUnifiedLines()
    {
        var (v1, v2) = MemoryProbe.ParseMembership("5:cpu,cpuacct:/c\n4:memory:/m/n\n1:name=systemd:/s\n0::/u\n");

        Assert.Equal("/m/n", v1);
        Assert.Equal("/u", v2);
    }

    [Fact]
    public void Probe_FindsCgroupMountsInMountInfo_WhenNotAtTheStandardPlace()
    {
        using var tree = new TempTree();
        var mountPoint = tree.CopyOf(FixturePaths.Storage("cgroup-v1", "cgroup", "memory"), "elsewhere/mem");
        tree.Write("proc/self/cgroup", "4:memory:/a/b/c\n");
        tree.Write("proc/meminfo", "MemAvailable: 100000000 kB\n");
        tree.Write("mountinfo", $"""
            27 1 254:0 / / rw - ext4 /dev/vda rw
            35 31 0:32 / {mountPoint.Replace(" ", "\\040", StringComparison.Ordinal)} rw,relatime - cgroup cgroup rw,memory
            36 31 0:33 / /nonexistent/cpu rw,relatime - cgroup cgroup rw,cpu
            """);

        var facts = new MemoryProbe(tree.Path("proc"), tree.Path("mountinfo")).Probe();

        Assert.Equal(["/a/b/c", "/a/b", "/a", "/"], facts.CgroupLevels.Select(l => l.CgroupPath));
        Assert.Equal("/a/b", facts.BindingCgroup!.CgroupPath);
    }

    [Fact]
    public void Probe_MapsPathThroughMountRoot_WhenContainerSeesASubtree()
    {
        // No cgroup namespace: /proc/self/cgroup shows the host path, the mount shows the hierarchy from /a down.
        using var tree = new TempTree();
        var mountPoint = tree.CopyOf(FixturePaths.Storage("cgroup-v1", "cgroup", "memory", "a"), "cg");
        tree.Write("proc/self/cgroup", "4:memory:/a/b/c\n");
        tree.Write("mountinfo", $"35 31 0:32 /a {mountPoint} rw - cgroup cgroup rw,memory\n");

        var facts = new MemoryProbe(tree.Path("proc"), tree.Path("mountinfo")).Probe();

        Assert.Equal(["/a/b/c", "/a/b", "/a"], facts.CgroupLevels.Select(l => l.CgroupPath));
        Assert.Equal(Path.Combine(mountPoint, "b", "c"), facts.CgroupLevels[0].Directory);
    }

    [Fact]
    public void Probe_ReadsMountRoot_WhenNamespaceHidesThePath()
    {
        // Inside a cgroup namespace the process's path reads "/": the top of the mount is its cgroup.
        using var tree = new TempTree();
        var mountPoint = tree.CopyOf(FixturePaths.Storage("cgroup-v2", "cgroup", "x", "y"), "cg");
        tree.Write("cg/cgroup.controllers", "memory\n");
        tree.Write("proc/self/cgroup", "0::/\n");
        tree.Write("mountinfo", $"40 31 0:38 / {mountPoint} rw - cgroup2 cgroup2 rw\n");

        var facts = new MemoryProbe(tree.Path("proc"), tree.Path("mountinfo")).Probe();

        var level = Assert.Single(facts.CgroupLevels);
        Assert.Equal("/", level.CgroupPath);
        Assert.Equal(1 * GiB, level.LimitBytes);
        Assert.Equal(level, facts.BindingCgroup);
    }

    [Fact]
    public void Probe_StartsAtMountTop_WhenProcessDirectoryIsNotVisible()
    {
        using var tree = new TempTree();
        var mountPoint = tree.CopyOf(FixturePaths.Storage("cgroup-v2", "cgroup", "x", "y"), "cg");
        tree.Write("cg/cgroup.controllers", "memory\n");
        tree.Write("proc/self/cgroup", "0::/kubepods/pod1/ctr\n");
        tree.Write("mountinfo", $"40 31 0:38 / {mountPoint} rw - cgroup2 cgroup2 rw\n");

        var facts = new MemoryProbe(tree.Path("proc"), tree.Path("mountinfo")).Probe();

        Assert.Equal(1 * GiB, Assert.Single(facts.CgroupLevels).LimitBytes);
    }

    [Fact]
    public void Probe_ReadsThisProcess_OnTheRealMachine()
    {
        Prerequisites.RequireLinux();

        var facts = MemoryProbe.CreateDefault().Probe();

        Assert.NotNull(facts.HostAvailableBytes);
        Assert.NotNull(facts.HostTotalBytes);
        Assert.NotEmpty(facts.CgroupLevels);
        Assert.Equal("/", facts.CgroupLevels[^1].CgroupPath);
        Assert.NotNull(facts.BindingAvailableBytes);
    }
}
