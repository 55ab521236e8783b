using Checkpoints.Files;
using Checkpoints.Format;
using Checkpoints.Loading.Access;
using Checkpoints.Units;
using Microsoft.Win32.SafeHandles;

namespace Checkpoints.Verification;

/// <summary>
/// Checks a whole checkpoint and reports every problem found rather than the first: each shard's header, the
/// shards against each other and the index, and every data byte read back from storage.
/// </summary>
internal static class CheckpointVerifier
{
    public static VerificationReport Verify(string path, CancellationToken cancellationToken = default)
    {
        CheckpointLayout layout;
        try
        {
            layout = CheckpointLayout.Discover(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return new VerificationReport([], 0, 0, [exception], []);
        }

        var errors = new List<Exception>();
        var headers = new List<ShardHeader>();
        foreach (var shardPath in layout.ShardPaths)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                headers.Add(ShardHeaderReader.Read(shardPath));
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                errors.Add(exception);
            }
        }

        var formatErrors = new List<CheckpointFormatException>();
        var catalog = CheckpointCatalog.Build(layout.ShardPaths, layout.Index, headers, formatErrors);
        errors.AddRange(formatErrors);

        long bytesRead = 0;
        foreach (var header in headers)
        {
            bytesRead += ReadData(header, errors, cancellationToken);
        }

        return new VerificationReport(layout.ShardPaths, catalog.Tensors.Count, bytesRead, errors, catalog.Warnings);
    }

    /// <summary>Reads the shard's data section back, so unreadable blocks and files that changed are found.</summary>
    private static long ReadData(ShardHeader header, List<Exception> errors, CancellationToken cancellationToken)
    {
        const int BlockBytes = 1 << 22;
        SafeFileHandle handle;
        try
        {
            handle = OpenFileLimit.OpenRead(header.FilePath, options: FileOptions.SequentialScan);
        }
        catch (IOException exception)
        {
            errors.Add(new IOException($"{header.FilePath}: opening it to read the data back failed: {exception.Message}", exception));
            return 0;
        }

        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BlockBytes);
        long offset = header.DataStart;
        try
        {
            var length = RandomAccess.GetLength(handle);
            if (length != header.FileLength)
            {
                errors.Add(ShardChanged.Length(header.FilePath, header.FileLength, length));
                return 0;
            }

            while (offset < header.FileLength)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var wanted = (int)Math.Min(BlockBytes, header.FileLength - offset);
                var read = PositionalRead.ReadFully(handle, header.FilePath, buffer.AsSpan(0, wanted), offset, "the data");
                offset += read;
                if (read < wanted)
                {
                    errors.Add(new CheckpointFormatException(header.FilePath, FormatRule.FileTruncated,
                        $"the file ended at byte {Invariant.N(offset)} while its data was read back; it is {Invariant.N(header.FileLength)} bytes by its header: it was truncated while being verified",
                        offset));
                    break;
                }
            }
        }
        catch (IOException exception)
        {
            // PositionalRead's message already names the file and the offset.
            errors.Add(exception);
        }
        finally
        {
            handle.Dispose();
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        return offset - header.DataStart;
    }
}
