namespace Checkpoints.Tests.TestSupport;

/// <summary>
/// Checks for what machine tests need. A missing prerequisite fails the test with what to install: a test that
/// silently passes without its component proves nothing.
/// </summary>
internal static class Prerequisites
{
    public const string InstallHint = "run scripts/install-test-deps.sh (apt-get install sshfs socat openssh-sftp-server fuse3)";

    public static void RequireLinux()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new InvalidOperationException("This test needs Linux.");
        }
    }

    public static void RequireRoot()
    {
        RequireLinux();
        if (Environment.UserName != "root")
        {
            throw new InvalidOperationException("This test needs root (it creates cgroups or mounts); run the tests as root.");
        }
    }

    public static void RequireFuse()
    {
        RequireLinux();
        if (!File.Exists("/dev/fuse"))
        {
            throw new InvalidOperationException("This test needs /dev/fuse (FUSE): load the fuse module or give the container the device, and " + InstallHint + ".");
        }

        foreach (var tool in (string[])["/usr/bin/sshfs", "/usr/bin/socat", SshfsMount.SftpServerPath])
        {
            if (!File.Exists(tool))
            {
                throw new InvalidOperationException($"This test needs {tool}: {InstallHint}.");
            }
        }

        if (!File.Exists("/usr/bin/fusermount3") && !File.Exists("/bin/fusermount3"))
        {
            throw new InvalidOperationException($"This test needs fusermount3: {InstallHint}.");
        }
    }
}
