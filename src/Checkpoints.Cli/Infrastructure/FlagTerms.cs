using Checkpoints.Loading.Planning;


namespace Checkpoints.Cli.Infrastructure;

/// <summary>
/// The library's messages name its API (<c>LoadOptions.ReadTimeout</c>); on the command line the same choice is a flag
/// (<c>--read-timeout</c>). Errors, plans and warnings the tool prints are said in its own terms.
/// </summary>
internal static class FlagTerms
{
    private static readonly (string Api, string Flag)[] Terms =
    [
        ("LoadOptions.Access = ShardAccess.Read", "--access read"),
        ("LoadOptions.ReadTimeout", "--read-timeout"),

        // The writer's advice when space runs out mid-write: on the command line the checkpoint's size is --size.
        ("write a smaller checkpoint or to another directory", "choose a smaller --size or another directory"),
    ];

    public static string Translate(string text)
    {
        foreach (var (api, flag) in Terms)
        {
            text = text.Replace(api, flag, StringComparison.Ordinal);
        }

        return text;
    }
}
