using System.Diagnostics;
using Checkpoints.Cli.Output;
using Checkpoints.Loading.Planning;
using Microsoft.Extensions.Logging;

namespace Checkpoints.Cli.Infrastructure;

/// <summary>
/// The one prefetch of <c>ckpt prefetch</c> (in the foreground or detached) and <c>ckpt exec</c>: the library's
/// <see cref="CheckpointCache.WarmAsync"/>, so the memory budget, the ranks and the node-wide locks apply alike, with
/// the events of <c>--progress json</c> when asked, and the bytes done so far kept for a prefetch that is cut short.
/// </summary>
internal sealed class Prefetching : IProgress<PrefetchProgress>
{
    private readonly EventStream? _events;
    private readonly PrefetchEvents? _progressEvents;
    private readonly Stopwatch _clock = new();
    private long _bytesDone;
    private long _bytesTotal;

    /// <param name="events">Receives the plan and the progress as <c>--progress json</c> events; null for none.</param>
    public Prefetching(EventStream? events)
    {
        _events = events;
        _progressEvents = events is null ? null : new PrefetchEvents(events);
    }

    /// <summary>Bytes handled so far (read, or skipped as cached): what a cancelled or failed prefetch got done.</summary>
    public long BytesDone => Interlocked.Read(ref _bytesDone);

    /// <summary>Bytes to warm, once the prefetch has reported at least once.</summary>
    public long BytesTotal => Interlocked.Read(ref _bytesTotal);

    public TimeSpan Elapsed => _clock.Elapsed;

    public async Task<WarmReport> RunAsync(string path, LoadOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        _clock.Start();
        if (_events is not null)
        {
            // The plan before the first byte: WarmAsync plans the same way (a prefetch of every shard) but says its plan
            // only when done. Headers and storage facts, no data: milliseconds, and it fails as WarmAsync would.
            var plan = Checkpoint.PlanLoad(path, options with { Strategy = LoadStrategy.Prefetch }, cancellationToken: cancellationToken);
            _events.Write(PlanEvent.From(plan, plan.PrefetchBytes), EventJsonContext.Readable.PlanEvent);
        }

        try
        {
            return await CheckpointCache.WarmAsync(path, options with { Progress = this }, logger, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _clock.Stop();
        }
    }

    public void Report(PrefetchProgress value)
    {
        Interlocked.Exchange(ref _bytesTotal, value.BytesTotal);
        // Workers report concurrently, so a later report can carry a smaller number: keep the largest.
        var seen = Interlocked.Read(ref _bytesDone);
        while (value.BytesDone > seen && Interlocked.CompareExchange(ref _bytesDone, value.BytesDone, seen) != seen)
        {
            seen = Interlocked.Read(ref _bytesDone);
        }

        _progressEvents?.Report(value);
    }
}
