using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Checkpoints.Cli;

/// <summary>The library's log on standard error: warnings always, every decision and measurement with --verbose.</summary>
internal static class CliLogging
{
    public static ILoggerFactory Create(bool verbose) => LoggerFactory.Create(builder => builder
        .SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning)
        .AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "HH:mm:ss.fff ";
        })
        .AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace));
}
