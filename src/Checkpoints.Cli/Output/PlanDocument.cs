using Checkpoints.Loading.Planning;

namespace Checkpoints.Cli.Output;

/// <summary><c>ckpt plan --json</c>.</summary>
internal sealed record PlanDocument(LoadPlanJson Plan)
{
    public static PlanDocument From(LoadPlan plan) => new(LoadPlanJson.From(plan));
}
