using System.Diagnostics;

namespace Checkpoints.Cli.Output;

/// <summary>
/// The events of <c>ckpt load --progress json</c>: the reader goes through the tensors in shard order, one at a time, so
/// the bytes it has read say exactly which file it is in. <c>file-start</c> and <c>file-done</c> follow the reader (not
/// the background prefetch), and <c>progress</c> comes at most every quarter second.
/// </summary>
internal sealed class LoadEvents
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly EventStream _events;
    private readonly IReadOnlyList<(string Path, long Bytes)> _files;
    private readonly long _total;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _current = -1;
    private long _currentEnd;
    private long _fileStarted;
    private long _lastProgress;

    public LoadEvents(EventStream events, Checkpoint checkpoint)
    {
        _events = events;
        _files = [.. checkpoint.Shards.Select((shard, index) => (shard.Path, checkpoint.Tensors.Where(tensor => tensor.ShardIndex == index).Sum(static tensor => tensor.SelectedByteLength)))];
        _total = checkpoint.SelectedTensorBytes;
        _lastProgress = Stopwatch.GetTimestamp();
    }

    /// <summary>The reader is about to start.</summary>
    public void Start() => NextFile();

    /// <summary>The reader has read <paramref name="bytes"/> bytes of tensors in all.</summary>
    public void Read(long bytes)
    {
        while (_current < _files.Count && bytes >= _currentEnd)
        {
            _events.Write(new FileDoneEvent(_files[_current].Path, _files[_current].Bytes, Stopwatch.GetElapsedTime(_fileStarted).TotalSeconds),
                EventJsonContext.Readable.FileDoneEvent);
            if (!NextFile())
            {
                break;
            }
        }

        if (bytes >= _total || Stopwatch.GetElapsedTime(_lastProgress) >= Interval)
        {
            _lastProgress = Stopwatch.GetTimestamp();
            _events.Write(new ProgressUpdateEvent(bytes, _total, bytes / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9)), EventJsonContext.Readable.ProgressUpdateEvent);
        }
    }

    private bool NextFile()
    {
        _current++;
        if (_current >= _files.Count)
        {
            return false;
        }

        _currentEnd += _files[_current].Bytes;
        _fileStarted = Stopwatch.GetTimestamp();
        _events.Write(new FileStartEvent(_files[_current].Path, _files[_current].Bytes), EventJsonContext.Readable.FileStartEvent);
        return true;
    }
}
