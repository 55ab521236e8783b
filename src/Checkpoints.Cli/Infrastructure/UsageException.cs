namespace Checkpoints.Cli;

/// <summary>
/// The invocation cannot be carried out as given, found after parsing (an environment variable the command reads,
/// for instance): exit code 2, like a bad flag, with the message as it is.
/// </summary>
internal sealed class UsageException(string message, Exception? innerException = null) : Exception(message, innerException);
