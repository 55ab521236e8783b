namespace Checkpoints.Loading.Planning;

/// <summary>The words for a <see cref="ShardAccess"/> in plans, logs and reports.</summary>
public static class ShardAccessNames
{
    /// <summary>The word for <paramref name="access"/>: <c>auto</c>, <c>map</c>, <c>populated</c>, <c>read</c> or <c>direct</c>.</summary>
    public static string Name(this ShardAccess access) => access switch
    {
        ShardAccess.PopulatedMap => "populated",
        _ => access.ToString().ToLowerInvariant(),
    };
}
