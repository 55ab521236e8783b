using Checkpoints.Units;
using Microsoft.Win32.SafeHandles;

namespace Checkpoints.Files;

/// <summary>Positional reads that fill their buffer, with errors that name the file and the offset.</summary>
internal static class PositionalRead
{
    /// <summary>
    /// Reads from <paramref name="offset"/> until <paramref name="buffer"/> is full or the file ends; returns the bytes
    /// read. An I/O error becomes an <see cref="IOException"/> saying "{file}: reading {what} at byte N failed".
    /// </summary>
    public static int ReadFully(SafeFileHandle handle, string filePath, Span<byte> buffer, long offset, string what)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            int read;
            try
            {
                read = RandomAccess.Read(handle, buffer[total..], offset + total);
            }
            catch (IOException exception)
            {
                throw new IOException($"{filePath}: reading {what} at byte {Invariant.N(offset + total)} failed: {exception.Message}", exception);
            }

            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }
}
