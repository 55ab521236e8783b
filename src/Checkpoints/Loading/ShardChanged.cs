namespace Checkpoints.Loading;

/// <summary>Errors for a shard that no longer is the file whose header was validated.</summary>
internal static class ShardChanged
{
    public static IOException Length(string path, long expected, long actual) =>
        new($"{path}: the shard changed while loading: it was {Format.Invariant.N(expected)} bytes when opened, now {Format.Invariant.N(actual)}; " +
            "another process is writing or replacing it; wait for it to finish and load again");
}
