namespace Checkpoints.Interop;

internal static partial class Libc
{
    /// <summary>The C library: glibc or musl on Linux, libSystem on macOS (which answers to "libc" as well).</summary>
    internal const string LibraryName = "libc";
}
