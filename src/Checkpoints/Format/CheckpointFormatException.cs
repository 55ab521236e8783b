using System.Globalization;

namespace Checkpoints.Format;

/// <summary>
/// A checkpoint file or index breaks the safetensors format. The message says what is wrong, where, and
/// what to do; the properties carry the same facts for programs.
/// </summary>
/// <remarks>
/// It derives from <see cref="IOException"/> (the platform's <see cref="InvalidDataException"/> is sealed), so one
/// <c>catch (IOException)</c> handles both a broken file and failing storage.
/// </remarks>
public sealed class CheckpointFormatException : IOException
{
    /// <summary>A file that is not a valid safetensors checkpoint, for callers that have nothing more precise to say.</summary>
    public CheckpointFormatException()
        : this(string.Empty, FormatRule.NotSafetensors, "The file is not a valid safetensors checkpoint.")
    {
    }

    /// <summary>A file that breaks the format, described by <paramref name="message"/>.</summary>
    /// <param name="message">What is wrong.</param>
    public CheckpointFormatException(string message)
        : this(string.Empty, FormatRule.NotSafetensors, message)
    {
    }

    /// <summary>A file that breaks the format, found through <paramref name="innerException"/>.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The error that revealed it.</param>
    public CheckpointFormatException(string message, Exception innerException)
        : this(string.Empty, FormatRule.NotSafetensors, message, innerException: innerException)
    {
    }

    /// <summary>A file that breaks <paramref name="rule"/>; the message is composed from the file, the offset and the detail.</summary>
    /// <param name="filePath">The file.</param>
    /// <param name="rule">The rule it breaks.</param>
    /// <param name="detail">What is wrong and what to do, in words.</param>
    /// <param name="byteOffset">Where in the file, when known.</param>
    /// <param name="tensorName">The tensor concerned, when there is one.</param>
    /// <param name="innerException">The error that revealed it.</param>
    public CheckpointFormatException(
        string filePath,
        FormatRule rule,
        string detail,
        long? byteOffset = null,
        string? tensorName = null,
        Exception? innerException = null)
        : base(Compose(filePath, detail, byteOffset), innerException)
    {
        FilePath = filePath;
        Rule = rule;
        Detail = detail;
        ByteOffset = byteOffset;
        TensorName = tensorName;
    }

    /// <summary>The file at fault (a shard or an index).</summary>
    public string FilePath { get; }

    /// <summary>The rule that was broken.</summary>
    public FormatRule Rule { get; }

    /// <summary>The explanation without the file name and offset prefix.</summary>
    public string Detail { get; }

    /// <summary>The byte offset in <see cref="FilePath"/> where the problem was found, when it has one.</summary>
    public long? ByteOffset { get; }

    /// <summary>The tensor concerned, when one is.</summary>
    public string? TensorName { get; }

    private static string Compose(string filePath, string detail, long? byteOffset)
    {
        var where = byteOffset is { } offset
            ? string.Create(CultureInfo.InvariantCulture, $"{filePath} at byte {offset:N0}")
            : filePath;
        return string.IsNullOrEmpty(where) ? detail : $"{where}: {detail}";
    }
}
