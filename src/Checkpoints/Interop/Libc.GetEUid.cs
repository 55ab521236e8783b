using System.Runtime.InteropServices;

namespace Checkpoints.Interop;

internal static partial class Libc
{
    /// <summary><c>uid_t geteuid(void)</c>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "geteuid")]
    internal static partial uint GetEUid();
}
