using Checkpoints.Files;
using Checkpoints.Format;


namespace Checkpoints.Tests.TestSupport;

/// <summary>Runs the header reader on bytes written to a temporary file, as a real open would.</summary>
internal static class Parse
{
    public static ShardHeader File(byte[] bytes, string name = "model.safetensors")
    {
        using var directory = new TempDirectory();
        return ShardHeaderReader.Read(directory.Write(name, bytes));
    }

    public static CheckpointFormatException Failure(byte[] bytes, string name = "model.safetensors") =>
        Assert.Throws<CheckpointFormatException>(() => File(bytes, name));
}
