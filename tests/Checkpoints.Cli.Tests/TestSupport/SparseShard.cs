using Checkpoints.Format;
using Checkpoints.Writing;


namespace Checkpoints.Cli.Tests.TestSupport;

/// <summary>
/// A valid shard of one huge U8 tensor whose data is a hole in the file: as large as a test needs to map, with no disk
/// used and nothing written. Only for tests that never read the data.
/// </summary>
internal static class SparseShard
{
    public static string Write(string path, long dataBytes)
    {
        var tensor = new TensorToWrite("weights", DType.U8, [dataBytes], static _ => throw new InvalidOperationException("A sparse shard's data is never written."));
        var header = HeaderWriter.Build([tensor], metadata: null);
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        file.Write(header);
        file.SetLength(header.Length + dataBytes);
        return path;
    }
}
