using System.Globalization;
using System.Text.Json;
using Checkpoints.Cli.Output;

namespace Checkpoints.Cli.Infrastructure;

/// <summary>
/// Reads and writes the status file of a detached prefetch. A write goes to a hidden file beside it, then is renamed
/// over it: a reader (<c>ckpt wait</c>, a script) sees the old document or the new one, never half of one.
/// </summary>
internal static class StatusFile
{
    public static void Write(string path, StatusDocument status)
    {
        var full = Path.GetFullPath(path);
        var temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(stream, status, EventJsonContext.Readable.StatusDocument);
                stream.WriteByte((byte)'\n');
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            throw new IOException($"{path}: the status file could not be written ({exception.Message}); choose a --status in a folder this user may write", exception);
        }
    }

    /// <summary>The document, or an <see cref="IOException"/> that names the file and what is wrong with it.</summary>
    public static StatusDocument Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException exception)
        {
            throw new IOException($"{path}: no such status file; start the prefetch with 'ckpt prefetch MODEL --background --status {path}'", exception);
        }
        catch (DirectoryNotFoundException exception)
        {
            throw new IOException($"{path}: no such status file (its folder does not exist); start the prefetch with 'ckpt prefetch MODEL --background --status {path}'", exception);
        }

        try
        {
            return JsonSerializer.Deserialize(text, EventJsonContext.Readable.StatusDocument)
                ?? throw new JsonException("the document is null");
        }
        catch (JsonException exception)
        {
            throw new IOException($"{path}: not a ckpt status file ({exception.Message})", exception);
        }
    }

    /// <summary>Now, as the status file writes times.</summary>
    public static string Now() => DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// When <paramref name="pid"/> started (clock ticks after boot, field 22 of /proc/PID/stat), or null when no such
    /// process is running (gone, or a zombie that only waits to be reaped).
    /// </summary>
    public static long? StartTimeOf(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // "PID (COMMAND) STATE PPID ...": the command may hold spaces and parentheses, so count from the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields.Length > 19 && fields[0] != "Z" && fields[0] != "X"
            && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) ? ticks : null;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Nothing more to do: the write has failed already, and that is what is reported.
        }
    }
}
