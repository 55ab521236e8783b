using Microsoft.Extensions.Logging;

namespace Checkpoints.Cli.Infrastructure;

/// <summary>
/// A log that hands each message, whole and on one line, to a writer of the command's choosing: JSON events, or lines
/// prefixed <c>ckpt:</c> on a stream shared with another program (<c>exec</c>), where the console logger's format and
/// its writes to the process's own standard error do not fit.
/// </summary>
internal sealed class DelegateLoggerProvider(Action<LogLevel, string> write) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(write);

    public void Dispose()
    {
    }

    private sealed class Logger(Action<LogLevel, string> write) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            write(logLevel, exception is null || message.Contains(exception.Message, StringComparison.Ordinal) ? message : $"{message}: {exception.Message}");
        }
    }
}
