using Microsoft.Extensions.Logging;

namespace Checkpoints.Cli.Infrastructure;

/// <summary>Loggers whose messages are said in the command line's terms (see <see cref="FlagTerms"/>).</summary>
internal sealed class FlagTermsLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new FlagTermsLogger(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    private sealed class FlagTermsLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(logLevel, eventId, state, exception, (value, error) => FlagTerms.Translate(formatter(value, error)));
    }
}
