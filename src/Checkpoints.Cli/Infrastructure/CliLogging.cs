using Checkpoints.Cli.Output;
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
        .SetMinimumLevel(Minimum(verbose))
        .AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            // Plain text: standard error escapes control characters (names in messages come from files), colour codes included.
            options.ColorBehavior = LoggerColorBehavior.Disabled;
            options.TimestampFormat = "HH:mm:ss.fff ";
        })
        .AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace)));

    /// <summary>The log as <c>--progress json</c> events: warnings as <c>warning</c>, the rest (with --verbose) as <c>log</c>.</summary>
    public static ILoggerFactory ToEvents(EventStream events, bool verbose) => To((level, message) =>
    {
        if (level >= LogLevel.Warning)
        {
            events.Warning(message);
        }
        else
        {
            events.Log(message);
        }
    }, verbose);

    /// <summary>The log as lines starting <c>ckpt: </c> (warnings <c>ckpt: warning: </c>), each written whole, for a stream shared with a child.</summary>
    public static ILoggerFactory ToLines(TextWriter output, bool verbose) => To((level, message) =>
        output.Write(level >= LogLevel.Warning ? $"ckpt: warning: {message}\n" : $"ckpt: {message}\n"), verbose);

    private static FlagTermsLoggerFactory To(Action<LogLevel, string> write, bool verbose) => new FlagTermsLoggerFactory(LoggerFactory.Create(builder => builder
        .SetMinimumLevel(Minimum(verbose))
        .AddProvider(new DelegateLoggerProvider(write))));

    private static LogLevel Minimum(bool verbose) => verbose ? LogLevel.Information : LogLevel.Warning;
}
