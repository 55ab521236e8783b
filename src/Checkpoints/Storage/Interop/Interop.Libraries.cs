namespace Checkpoints.Storage;

internal static partial class Interop
{
    /// <summary>The C library: glibc or musl on Linux, libSystem on macOS (which answers to "libc" as well).</summary>
    internal const string Libc = "libc";
}
