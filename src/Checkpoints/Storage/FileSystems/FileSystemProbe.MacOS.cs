using System.Runtime.InteropServices;
using Checkpoints.Interop;

namespace Checkpoints.Storage.FileSystems;

internal sealed partial class FileSystemProbe
{
    /// <summary>macOS: <c>statfs</c> names the type, the mount point and the source, and its <c>MNT_LOCAL</c> flag says whether the volume is local.</summary>
    private unsafe FileSystemFacts ProbeMacOS(string path)
    {
        string realPath;
        try
        {
            realPath = RealPath(path);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            realPath = Path.GetFullPath(path);
        }

        try
        {
            Libc.MacStatfsBuffer buffer;
            var rc = RuntimeInformation.ProcessArchitecture == Architecture.Arm64
                ? Libc.MacStatfsArm64(realPath, &buffer)
                : Libc.MacStatfsX64(realPath, &buffer);
            if (rc != 0)
            {
                return UnknownFacts(path, realPath, $"statfs failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            }

            var type = Marshal.PtrToStringUTF8((nint)buffer.FsTypeName) ?? "unknown";
            var mountPoint = Marshal.PtrToStringUTF8((nint)buffer.MountOnName);
            var source = Marshal.PtrToStringUTF8((nint)buffer.MountFromName);
            var (cls, reason) = Classifier.Classify(type);
            if (cls is FileSystemClass.Unknown or FileSystemClass.Local && (buffer.Flags & Libc.MacMntLocal) == 0)
            {
                (cls, reason) = (FileSystemClass.Network, $"'{type}' is not flagged MNT_LOCAL by the kernel");
            }

            return new FileSystemFacts(path, realPath, mountPoint, type, source, null, cls, null, reason);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return UnknownFacts(path, realPath, $"statfs is not available: {e.Message}");
        }
    }

    private static FileSystemFacts UnknownFacts(string path, string realPath, string reason) =>
        new(path, realPath, null, "unknown", null, null, FileSystemClass.Unknown, null, reason);
}
