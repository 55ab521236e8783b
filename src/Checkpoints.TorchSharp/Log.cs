using Checkpoints.Format;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace Checkpoints.TorchSharp;

/// <summary>Every message this package logs; the library logs its own plan and storage decisions.</summary>
internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Converting {Name}: {From} -> {To}")]
    public static partial void Converting(ILogger logger, string name, DType from, ScalarType to);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not strict: {Missing} missing and {Unexpected} unexpected keys left as they are")]
    public static partial void NotStrict(ILogger logger, int missing, int unexpected);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {Count} tensors ({Bytes} bytes) from {Path} in {Seconds:F3} s")]
    public static partial void Loaded(ILogger logger, int count, long bytes, string path, double seconds);
}
