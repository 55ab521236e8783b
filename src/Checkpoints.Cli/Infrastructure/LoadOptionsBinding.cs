using System.CommandLine;
using Checkpoints.Units;

namespace Checkpoints.Cli;

/// <summary>The options of every command that plans a load: strategy, readers, block size, budget, ranks, network types.</summary>
internal sealed class LoadOptionsBinding
{
    private readonly Option<string?> _strategy = new("--strategy")
    {
        Description = $"auto, lazy, eager or prefetch (default: ${LoadOptions.StrategyVariable}, else auto).",
        HelpName = "strategy",
    };

    private readonly Option<int> _threads = new("--threads")
    {
        Description = "Parallel readers for prefetch and eager loading.",
        DefaultValueFactory = _ => LoadOptions.DefaultThreads,
    };

    private readonly Option<long> _blockSize = ByteSizeOption.Create("--block-size", "Bytes per read.", LoadOptions.DefaultBlockSize);

    private readonly Option<string?> _budget = new("--budget")
    {
        Description = "Memory for read-ahead and eager buffers: a size (8GiB) or a share of the available memory (50%). Default 90%.",
        HelpName = "size|percent",
    };

    private readonly Option<int> _rank = new("--rank") { Description = "This process's local rank (each rank prefetches its share of the shards)." };

    private readonly Option<int> _worldSize = new("--world-size")
    {
        Description = "Processes on this node loading the same checkpoint.",
        DefaultValueFactory = _ => 1,
    };

    private readonly Option<string[]> _networkFs = new("--network-fs")
    {
        Description = "File system types to treat as network, comma separated (adds to the built-in table and CKPT_NETWORK_FS).",
    };

    public LoadOptionsBinding()
    {
        _strategy.Validators.Add(result =>
        {
            var text = result.GetValueOrDefault<string?>();
            if (text is not null && !Enum.TryParse<LoadStrategy>(text, ignoreCase: true, out _))
            {
                result.AddError($"--strategy: '{text}' is not a strategy; use auto, lazy, eager or prefetch");
            }
        });
        _budget.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && Budget(text) is null)
            {
                result.AddError($"--budget: '{text}' is neither a size (8GiB) nor a percentage (50%)");
            }
        });
    }

    public IEnumerable<Option> Options => [_strategy, _threads, _blockSize, _budget, _rank, _worldSize, _networkFs];

    /// <summary>The options as given, on top of the environment's strategy.</summary>
    public LoadOptions Bind(ParseResult result, IProgress<PrefetchProgress>? progress = null)
    {
        var options = LoadOptions.FromEnvironment();
        if (result.GetValue(_strategy) is { } strategy)
        {
            options = options with { Strategy = LoadOptions.ParseStrategy(strategy, "--strategy") };
        }

        var budget = result.GetValue(_budget) is { } text ? Budget(text) : null;
        return options with
        {
            Threads = result.GetValue(_threads),
            BlockSize = (int)Math.Min(result.GetValue(_blockSize), int.MaxValue),
            BudgetBytes = budget?.Bytes,
            BudgetFraction = budget?.Fraction ?? LoadOptions.DefaultBudgetFraction,
            Rank = result.GetValue(_rank),
            WorldSize = result.GetValue(_worldSize),
            NetworkFileSystems = result.GetValue(_networkFs) ?? [],
            Progress = progress,
        };
    }

    private static (long? Bytes, double? Fraction)? Budget(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.EndsWith('%'))
        {
            return double.TryParse(trimmed[..^1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var percent) && percent is > 0 and <= 100
                ? (null, percent / 100)
                : null;
        }

        return ByteSize.TryParse(trimmed, out var bytes) && bytes > 0 ? (bytes, null) : null;
    }
}
