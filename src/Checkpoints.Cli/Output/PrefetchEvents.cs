using System.Diagnostics;
using Checkpoints.Loading.Planning;

namespace Checkpoints.Cli.Output;

/// <summary>
/// The prefetch's progress reports as events: <c>file-start</c> the first time a file is reported, <c>file-done</c> when all
/// of it is handled, and <c>progress</c> at most every quarter second (and once at the end). Workers report concurrently
/// and not always in order, so the bytes done are kept monotonic and every file starts before it is done.
/// </summary>
internal sealed class PrefetchEvents(EventStream events) : IProgress<PrefetchProgress>
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _started = new(StringComparer.Ordinal);
    private readonly HashSet<string> _done = new(StringComparer.Ordinal);
    private long _lastProgress;
    private long _bytesDone = -1;

    public void Report(PrefetchProgress value)
    {
        lock (_lock)
        {
            if (value.File is { } file)
            {
                if (!_started.TryGetValue(file, out var started))
                {
                    started = _started[file] = Stopwatch.GetTimestamp();
                    events.Write(new FileStartEvent(file, value.FileBytesTotal), EventJsonContext.Readable.FileStartEvent);
                }

                if (value.FileBytesDone >= value.FileBytesTotal && _done.Add(file))
                {
                    var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                    events.Write(new FileDoneEvent(file, value.FileBytesTotal, seconds), EventJsonContext.Readable.FileDoneEvent);
                }
            }

            if (value.BytesDone <= _bytesDone)
            {
                return;
            }

            var finished = value.BytesDone >= value.BytesTotal;
            if (finished || Stopwatch.GetElapsedTime(_lastProgress) >= Interval)
            {
                _bytesDone = value.BytesDone;
                _lastProgress = Stopwatch.GetTimestamp();
                events.Write(new ProgressUpdateEvent(value.BytesDone, value.BytesTotal, value.BytesPerSecond), EventJsonContext.Readable.ProgressUpdateEvent);
            }
        }
    }
}
