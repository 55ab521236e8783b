namespace Checkpoints.Cli.Infrastructure;

/// <summary>
/// A command line that parsed but asks for something impossible (more shards than tensors, a size no model has, an
/// environment variable the command reads holding nonsense), found only once the command looks at its values:
/// reported like a parse error, with exit code 2.
/// </summary>
internal sealed class UsageException(string message, Exception? innerException = null) : Exception(message, innerException);
