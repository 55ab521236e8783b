using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Checkpoints.Cli.Infrastructure;

/// <summary>
/// The library's log on standard error: warnings always, every decision and measurement with --verbose; its advice
/// said in the command line's flags.
/// </summary>
internal static class CliLogging
{
    public static ILoggerFactory Create(bool verbose) => new FlagTermsLoggerFactory(LoggerFactory.Create(builder => builder
        .SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning)
        .AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            // Plain text: standard error escapes control characters (names in messages come from files), colour codes included.
            options.ColorBehavior = LoggerColorBehavior.Disabled;
            options.TimestampFormat = "HH:mm:ss.fff ";
        })
        .AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace)));
}
