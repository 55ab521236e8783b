using System.IO.Hashing;
using Checkpoints.Files;
using Checkpoints.Format;
using Checkpoints.Synthesis;

namespace Checkpoints.Fuzz;

/// <summary>
/// The fuzzing targets. Both let only <see cref="CheckpointFormatException"/> escape for malformed input; any
/// other exception, including a broken invariant checked here, is a finding.
/// </summary>
internal static class FuzzTargets
{
    private const string VirtualPath = "fuzz-input.safetensors";

    /// <summary>
    /// The Format layer on the input bytes, as <see cref="ShardHeaderReader"/> drives it for a file of the
    /// input's length; then every tensor's bytes are sliced out of the input and hashed, and the float dtypes
    /// converted, so an accepted header that points outside the data is caught.
    /// </summary>
    public static int InMemory(Stream stream)
    {
        var input = ReadAll(stream);
        var head = input.AsSpan(0, Math.Min(input.Length, FileSniffer.SniffLength));
        var headerLength = HeaderParser.ReadHeaderLength(VirtualPath, input.Length, head);
        var json = input.AsSpan(SafetensorsLayout.PrefixLength, checked((int)headerLength));
        var header = HeaderParser.Parse(VirtualPath, input.Length, json);

        var hash = new XxHash3();
        long position = header.DataStart;
        foreach (var tensor in header.Tensors)
        {
            // Tensors are in data order and cover the data section exactly, without gap or overlap.
            Check(header.DataStart + tensor.DataBegin == position, "tensors are not contiguous", tensor);
            Check(tensor.ByteLength == (tensor.ElementCount * tensor.DType.BitSize()) / 8, "byte length disagrees with the shape", tensor);
            var bytes = input.AsSpan(checked((int)position), checked((int)tensor.ByteLength));
            hash.Append(bytes);
            if (FloatConversion.CanConvert(tensor.DType))
            {
                var floats = new float[tensor.ElementCount];
                FloatConversion.ToSingle(tensor.DType, bytes, floats);
            }

            position += tensor.ByteLength;
        }

        Check(position == input.Length, "the tensors do not end at the end of the file", null);
        _ = hash.GetCurrentHashAsUInt64();
        return header.Tensors.Count;
    }

    /// <summary>The public path end to end: <see cref="Checkpoint.Open"/> on a temporary file, every tensor read, the content digest.</summary>
    public static int ThroughFile(Stream stream)
    {
        var path = Path.Combine(Path.GetTempPath(), $"ckpt-fuzz-{Environment.ProcessId}.safetensors");
        try
        {
            using (var file = File.Create(path))
            {
                stream.CopyTo(file);
            }

            using var checkpoint = Checkpoint.Open(path);
            foreach (var tensor in checkpoint.Tensors)
            {
                var bytes = tensor.Bytes;
                Check(bytes.Length == tensor.ByteLength, "Tensor.Bytes has the wrong length", null);
                if (FloatConversion.CanConvert(tensor.DType))
                {
                    _ = tensor.ToSingleArray();
                }
            }

            var (_, digested) = ContentDigest.Compute(checkpoint);
            Check(digested == checkpoint.TotalTensorBytes, "the digest did not cover every tensor byte", null);
            return checkpoint.Tensors.Count;
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// <see cref="Checkpoint.Open"/> on the input as a <c>model.safetensors.index.json</c> beside two valid shards
    /// (tensors a and b, and c), then every tensor read and digested, as in <see cref="ThroughFile"/>.
    /// </summary>
    public static int ThroughIndex(Stream stream)
    {
        var directory = IndexDirectory.Value;
        var path = Path.Combine(directory, "model.safetensors.index.json");
        using (var file = File.Create(path))
        {
            stream.CopyTo(file);
        }

        using var checkpoint = Checkpoint.Open(path);
        var (_, digested) = ContentDigest.Compute(checkpoint);
        Check(digested == checkpoint.TotalTensorBytes, "the digest did not cover every tensor byte", null);
        return checkpoint.Tensors.Count;
    }

    private static readonly Lazy<string> IndexDirectory = new(static () =>
    {
        var directory = Path.Combine(Path.GetTempPath(), $"ckpt-fuzz-index-{Environment.ProcessId}");
        Directory.CreateDirectory(directory);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(directory, recursive: true);
        Writing.CheckpointWriter.WriteFile(Path.Combine(directory, "model-00001-of-00002.safetensors"),
            [Writing.TensorToWrite.FromBytes("a", DType.F16, [2], new byte[4]), Writing.TensorToWrite.FromBytes("b", DType.U8, [3], new byte[3])]);
        Writing.CheckpointWriter.WriteFile(Path.Combine(directory, "model-00002-of-00002.safetensors"),
            [Writing.TensorToWrite.FromBytes("c", DType.BF16, [1], new byte[2])]);
        return directory;
    });

    private static byte[] ReadAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static void Check(bool condition, string invariant, TensorEntry? tensor)
    {
        if (!condition)
        {
            throw new InvariantBrokenException(tensor is null ? invariant : $"{invariant}: {tensor}");
        }
    }
}

/// <summary>An accepted input broke an invariant of the Format layer: a finding, like a crash.</summary>
internal sealed class InvariantBrokenException(string message) : Exception(message);
