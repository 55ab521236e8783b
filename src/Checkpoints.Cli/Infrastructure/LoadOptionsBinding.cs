using System.CommandLine;
using Checkpoints.Loading.Planning;
using Checkpoints.Units;

namespace Checkpoints.Cli.Infrastructure;

/// <summary>The options of every command that plans a load: strategy, readers, block size, budget, ranks, network types.</summary>
internal sealed class LoadOptionsBinding
{
    private readonly Option<string?> _strategy = new("--strategy")
    {
        Description = $"auto, lazy, eager or prefetch (default: ${LoadOptions.StrategyVariable}, else auto).",
        HelpName = "strategy",
    };

    private readonly Option<string?> _access = new("--access")
    {
        Description = "How bytes reach the reader: auto (a map on local storage; on network storage a populated map when the prefetch fits memory, else reads), " +
            "map (zero-copy; a storage error kills the process with SIGBUS), populated (a map each range of which is read in before use: errors are reported) " +
            "read (into memory: errors are reported, nothing can be evicted before use) " +
            "or direct (reads past the page cache at the device's queue depth, copied into memory: errors are reported, nothing is cached).",
        HelpName = "auto|map|populated|read|direct",
    };

    private readonly Option<string?> _readTimeout = new("--read-timeout")
    {
        Description = "How long reads may make no progress before the load fails naming the file and offset: 30s, 2m, 500ms, or 'none' (default 2m).",
        HelpName = "duration",
    };

    private readonly Option<int> _threads = IntegerOption.Create("--threads", "Parallel readers for prefetch and eager loading.",
        LoadOptions.DefaultThreads, 1, LoadOptions.MaxThreads);

    private readonly Option<ByteCount> _blockSize = ByteSizeOption.Create("--block-size", "Bytes per read.", LoadOptions.DefaultBlockSize,
        LoadOptions.MinBlockSize, LoadOptions.MaxBlockSize);

    private readonly Option<string?> _budget = new("--budget")
    {
        Description = "Memory for read-ahead and eager buffers: a size (8GiB) or a share of the available memory (50%). Default 90%.",
        HelpName = "size|percent",
    };

    private readonly Option<int> _rank = IntegerOption.Create("--rank",
        "This process's local rank, below --world-size (each rank prefetches its share of the shards).", 0, 0, int.MaxValue);

    private readonly Option<int> _worldSize = IntegerOption.Create("--world-size", "Processes on this node loading the same checkpoint.", 1, 1, int.MaxValue);

    private readonly Option<string[]> _networkFs = new("--network-fs")
    {
        Description = "File system types to treat as network, comma separated (adds to the built-in table and CKPT_NETWORK_FS).",
    };

    public LoadOptionsBinding()
    {
        _strategy.Validators.Add(result =>
        {
            var text = result.GetValueOrDefault<string?>();
            if (text is not null && !LoadOptions.TryParseStrategy(text, out _))
            {
                result.AddError($"--strategy: '{text}' is not a strategy; use auto, lazy, eager or prefetch");
            }
        });
        _access.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && Access(text) is null)
            {
                result.AddError($"--access: '{text}' is not an access; use auto, map, populated, read or direct");
            }
        });
        _readTimeout.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && Duration(text) is null)
            {
                result.AddError($"--read-timeout: '{text}' is not a duration; use 30s, 2m, 500ms or none");
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

    private readonly Option<ByteCount> _coalesceGap = ByteSizeOption.Create("--coalesce-gap",
        "With a selection: ranges closer than this are read as one (the gap is read and dropped).", LoadOptions.DefaultCoalesceGapBytes, 0, 1L << 40);

    private readonly Option<string?> _readWholeAt = new("--read-whole-at")
    {
        Description = $"With a selection: read a whole shard when what it needs covers at least this share of it (default {LoadOptions.DefaultWholeShardFraction:0%}).",
        HelpName = "percent",
    };

    private readonly SelectionBinding _selection = new();

    public IEnumerable<Option> Options => [_strategy, _access, _readTimeout, _threads, _blockSize, _budget, _rank, _worldSize, _networkFs, _coalesceGap, _readWholeAt, .. _selection.Options];

    /// <summary>Adds the options to <paramref name="command"/>, with the check that spans two of them (the rank is below the world size).</summary>
    public void AddTo(Command command, bool withStrategy = true)
    {
        foreach (var option in Options.Except(_selection.Options).Where(option => withStrategy || option != _strategy))
        {
            command.Options.Add(option);
        }

        _selection.AddTo(command);
        _readWholeAt.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && WholeShardShare(text) is null)
            {
                result.AddError($"--read-whole-at: '{text}' is not a percentage between 0% and 100%");
            }
        });

        command.Validators.Add(result =>
        {
            // Read the tokens, not the values: a command validator runs even when an option failed to parse, and
            // reading such a value throws. A value that did not parse has its own error already.
            if (IntegerOption.Given(result, _rank, 0) is { } rank && IntegerOption.Given(result, _worldSize, 1) is >= 1 and var worldSize && rank >= worldSize)
            {
                result.AddError($"--rank must be below --world-size: rank {rank}, world size {worldSize} (ranks count from 0)");
            }
        });
    }

    /// <summary>The options as given, on top of the environment's strategy unless <paramref name="strategyMatters"/> is false.</summary>
    public LoadOptions Bind(ParseResult result, bool strategyMatters = true)
    {
        LoadOptions options;
        try
        {
            options = strategyMatters && result.GetValue(_strategy) is null ? LoadOptions.FromEnvironment() : new LoadOptions();
        }
        catch (ArgumentException exception)
        {
            // CKPT_LOAD_STRATEGY holds something else than a strategy: a usage error of this command, which loads.
            throw new UsageException(CommandErrors.Describe(exception).TrimEnd('.') + "; fix or unset it, or pass --strategy", exception);
        }

        if (result.GetValue(_strategy) is { } strategy)
        {
            options = options with { Strategy = LoadOptions.ParseStrategy(strategy, "--strategy") };
        }

        var budget = result.GetValue(_budget) is { } text ? Budget(text) : null;
        var local = LocalRank(result);
        return options with
        {
            Access = result.GetValue(_access) is { } access ? Access(access)!.Value : ShardAccess.Auto,
            ReadTimeout = result.GetValue(_readTimeout) is { } timeout ? Duration(timeout)!.Value : LoadOptions.DefaultReadTimeout,
            Threads = result.GetValue(_threads),
            BlockSize = (int)result.GetValue(_blockSize).Bytes,
            BudgetBytes = budget?.Bytes,
            BudgetFraction = budget?.Fraction ?? LoadOptions.DefaultBudgetFraction,
            Rank = local.Rank,
            WorldSize = local.Size,
            NetworkFileSystems = result.GetValue(_networkFs) ?? [],
            Selection = _selection.Bind(result),
            CoalesceGapBytes = result.GetValue(_coalesceGap).Bytes,
            WholeShardFraction = result.GetValue(_readWholeAt) is { } share ? WholeShardShare(share)!.Value : LoadOptions.DefaultWholeShardFraction,
        };
    }

    /// <summary>The node-local rank: as given, else torchrun's LOCAL_RANK and LOCAL_WORLD_SIZE, else rank 0 of 1.</summary>
    private (int Rank, int Size) LocalRank(ParseResult result)
    {
        if (result.GetResult(_rank) is { Implicit: false } || result.GetResult(_worldSize) is { Implicit: false })
        {
            return (result.GetValue(_rank), result.GetValue(_worldSize));
        }

        try
        {
            return Checkpoints.Selection.ParallelRanks.LocalFromEnvironment() ?? (0, 1);
        }
        catch (ArgumentException exception)
        {
            throw new UsageException(CommandErrors.Describe(exception).TrimEnd('.') + "; fix or unset them, or pass --rank and --world-size", exception);
        }
    }

    /// <summary>"N%" as the share N / 100, any number; null for anything else.</summary>
    private static double? Percentage(string text) =>
        text.Trim() is var trimmed && trimmed.EndsWith('%')
        && double.TryParse(trimmed[..^1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var percent)
            ? percent / 100
            : null;

    /// <summary>--read-whole-at: 0% to 100%.</summary>
    private static double? WholeShardShare(string text) => Percentage(text) is >= 0 and <= 1 and var share ? share : null;

    private static ShardAccess? Access(string text) => text.Trim().ToLowerInvariant() switch
    {
        "auto" => ShardAccess.Auto,
        "map" => ShardAccess.Map,
        "read" => ShardAccess.Read,
        "populated" => ShardAccess.PopulatedMap,
        "direct" => ShardAccess.Direct,
        _ => null,
    };

    /// <summary>A positive duration with a unit (ms, s, m, h), or none/infinite.</summary>
    internal static TimeSpan? Duration(string text)
    {
        var trimmed = text.Trim().ToLowerInvariant();
        if (trimmed is "none" or "infinite")
        {
            return Timeout.InfiniteTimeSpan;
        }

        var unit = trimmed.TrimStart("0123456789.".ToCharArray());
        var number = trimmed[..^unit.Length];
        if (!double.TryParse(number, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            return null;
        }

        double? milliseconds = unit switch
        {
            "ms" => value,
            "s" or "" => value * 1_000,
            "m" or "min" => value * 60_000,
            "h" => value * 3_600_000,
            _ => null,
        };
        return milliseconds is { } ms && ms is >= 1 and <= int.MaxValue ? TimeSpan.FromMilliseconds(ms) : null;
    }

    private static (long? Bytes, double? Fraction)? Budget(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.EndsWith('%'))
        {
            return Percentage(trimmed) is > 0 and <= 1 and var fraction ? (null, fraction) : null;
        }

        return ByteSize.TryParse(trimmed, out var bytes) && bytes > 0 ? (bytes, null) : null;
    }
}
