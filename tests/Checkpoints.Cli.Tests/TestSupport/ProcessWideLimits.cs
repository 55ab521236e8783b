namespace Checkpoints.Cli.Tests.TestSupport;

/// <summary>Tests that change something of the whole test process (its limits): xunit runs them alone, after the others.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideLimits
{
    public const string Name = "process-wide limits";
}
