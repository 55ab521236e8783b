namespace Checkpoints.Cli.Tests.Deployment;

/// <summary>
/// The <c>ckpt</c> command lines a container runs: its command and args when they start with <c>ckpt</c>, or every
/// <c>ckpt ...</c> command of the script when they are <c>sh -c SCRIPT</c>. The words after <c>ckpt</c> are returned.
/// YAML comments are not read: a command line shown only in a comment (the planned <c>ckpt exec</c>) is not checked.
/// </summary>
internal static class CkptCommandLines
{
    private static readonly string[] Shells = ["sh", "bash", "/bin/sh", "/bin/bash", "/usr/bin/env sh"];

    public static IEnumerable<IReadOnlyList<string>> Of(KubernetesManifests.Container container)
    {
        string[] words = [.. KubernetesManifests.Strings(container.Node, "command"), .. KubernetesManifests.Strings(container.Node, "args")];
        if (words is [var program, .. var rest] && IsCkpt(program))
        {
            return [rest];
        }

        if (words is [var shell, "-c", var script, ..] && Shells.Contains(shell))
        {
            return InScript(script);
        }

        return [];
    }

    /// <summary>The words after <c>ckpt</c> of every ckpt command in <paramref name="script"/>.</summary>
    public static IEnumerable<IReadOnlyList<string>> InScript(string script) =>
        ShellWords.Commands(script).Where(static command => IsCkpt(command[0])).Select(static command => (IReadOnlyList<string>)command[1..]);

    private static bool IsCkpt(string program) => program == "ckpt" || program.EndsWith("/ckpt", StringComparison.Ordinal);
}
