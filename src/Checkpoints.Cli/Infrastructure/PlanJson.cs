using System.Text.Json;
using Checkpoints.Loading.Planning;

namespace Checkpoints.Cli;

/// <summary>A <see cref="LoadPlan"/> as JSON, shared by plan, load and prefetch.</summary>
internal static class PlanJson
{
    public static void Write(Utf8JsonWriter json, LoadPlan plan)
    {
        json.WriteStartObject("plan");
        json.WriteString("requested", Name(plan.Requested));
        json.WriteString("summary", plan.Summary);
        json.WriteNumberOrNull("budgetBytes", plan.BudgetBytes);
        json.WriteString("budget", plan.BudgetReason);
        json.WriteNumber("prefetchBytes", plan.PrefetchBytes);
        json.WriteNumberOrNull("windowBytes", plan.WindowBytes);
        json.WriteNumber("threads", plan.Threads);
        json.WriteNumber("blockSize", plan.BlockSize);
        json.WriteNumberOrNull("availableBytes", plan.Memory.BindingAvailableBytes);
        json.WriteString("memory", plan.Memory.BindingDescription);
        json.WriteStartArray("shards");
        foreach (var shard in plan.Shards)
        {
            json.WriteStartObject();
            json.WriteString("path", shard.Path);
            json.WriteNumber("length", shard.Length);
            json.WriteString("fileSystemType", shard.FileSystem.FileSystemType);
            json.WriteString("fileSystemClass", shard.FileSystem.Class.ToString().ToLowerInvariant());
            json.WriteNumberOrNull("cachedBytes", shard.CachedBytes);
            json.WriteString("strategy", Name(shard.Strategy));
            json.WriteString("access", shard.Access.Name());
            json.WriteBoolean("prefetchedHere", shard.PrefetchedHere);
            json.WriteString("reason", shard.Reason);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("warnings");
        foreach (var warning in plan.Warnings)
        {
            json.WriteStringValue(warning);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static string Name(LoadStrategy strategy) => strategy.ToString().ToLowerInvariant();
}
