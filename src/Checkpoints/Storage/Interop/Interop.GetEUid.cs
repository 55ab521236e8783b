using System.Runtime.InteropServices;

namespace Checkpoints.Storage;

internal static partial class Interop
{
    /// <summary><c>uid_t geteuid(void)</c>.</summary>
    [LibraryImport(Libc, EntryPoint = "geteuid")]
    internal static partial uint GetEUid();
}
