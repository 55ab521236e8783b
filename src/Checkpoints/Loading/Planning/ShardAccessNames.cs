namespace Checkpoints.Loading.Planning;

/// <summary>The words for a <see cref="ShardAccess"/> in plans, logs, JSON and the <c>--access</c> option.</summary>
internal static class ShardAccessNames
{
    public static string Name(this ShardAccess access) => access switch
    {
        ShardAccess.PopulatedMap => "populated",
        _ => access.ToString().ToLowerInvariant(),
    };
}
