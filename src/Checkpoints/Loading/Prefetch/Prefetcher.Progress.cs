using Checkpoints.Loading.Logging;
using Checkpoints.Loading.Planning;

namespace Checkpoints.Loading.Prefetch;

/// <summary>Progress: reported to the caller's <see cref="IProgress{T}"/> and logged once per tenth of the total.</summary>
internal sealed partial class Prefetcher
{
    /// <summary>Counts <paramref name="bytes"/> of <paramref name="file"/> as handled (read, skipped or given up), for its own progress.</summary>
    private void FileHandled(int file, long bytes) => Interlocked.Add(ref _fileBytesHandled[file], bytes);

    /// <summary>Reports that reading <paramref name="file"/> starts, the first time a block of it is about to be read here.</summary>
    private void ReportStartOf(int file)
    {
        if (Interlocked.Exchange(ref _fileStarted[file], 1) == 0)
        {
            Report(file);
        }
    }

    /// <summary>Reports the progress of the whole prefetch, and of <paramref name="file"/>, the file it just worked on.</summary>
    private void Report(int file)
    {
        // Each block counts once (read, skipped, or found cached by another process): the cap is only a guard.
        var done = Math.Min(BytesRead + BytesSkipped, TotalBytes);
        var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
        if (_progress is not null && Volatile.Read(ref _progressFailed) == 0)
        {
            try
            {
                var fileDone = Math.Min(Interlocked.Read(ref _fileBytesHandled[file]), _fileBytes[file]);
                _progress.Report(new PrefetchProgress(done, TotalBytes, BytesRead / seconds, _reader.PathOf(file), fileDone, _fileBytes[file]));
            }
            catch (Exception exception)
            {
                // A caller's progress sink must not take down this background thread, and with it the process.
                if (Interlocked.Exchange(ref _progressFailed, 1) == 0)
                {
                    LoadLog.ProgressFailed(_logger, exception);
                }
            }
        }

        var decile = TotalBytes == 0 ? 10 : (int)(done * 10 / TotalBytes);
        if (decile <= Volatile.Read(ref _loggedDecile) || decile >= 10)
        {
            return;
        }

        // Under the lock, so two workers crossing deciles at once log them in order.
        lock (_logLock)
        {
            if (decile > _loggedDecile)
            {
                _loggedDecile = decile;
                LoadLog.PrefetchProgress(_logger, decile * 10, done, TotalBytes, BytesRead / seconds);
            }
        }
    }
}
