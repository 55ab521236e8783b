namespace Checkpoints.Storage.Cache;

/// <summary>How the page-cache residency of a file was measured.</summary>
public enum ResidencyMethod
{
    /// <summary>Not measured: <see cref="FileResidency.Reason"/> says why.</summary>
    Unknown = 0,

    /// <summary>The <c>cachestat(2)</c> system call (Linux 6.5 and later).</summary>
    Cachestat,

    /// <summary><c>mincore(2)</c> over a read-only shared mapping of the file.</summary>
    Mincore,
}
