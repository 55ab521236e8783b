using System.Runtime.InteropServices;
using System.Text;
using Checkpoints.Format;
using Checkpoints.Tests.TestSupport;
using Checkpoints.Writing;

namespace Checkpoints.Tests.Format;

/// <summary>
/// The byte vectors of the reference implementation's own tests (huggingface/safetensors, tensor.rs): what it
/// accepts we accept with the same tensors, what it rejects we reject, and what its writer produces ours
/// produces byte for byte.
/// </summary>
public sealed class ReferenceVectorsTests
{
    private static byte[] Bytes(string latin1) => Encoding.Latin1.GetBytes(latin1);

    private static readonly string Zeros16 = new('\0', 16);

    [Fact]
    public void Accepts_Deserialization()
    {
        var header = Parse.File(Bytes("<\0\0\0\0\0\0\0{\"test\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}" + Zeros16));

        var tensor = Assert.Single(header.Tensors);
        Assert.Equal(("test", DType.I32, 16L), (tensor.Name, tensor.DType, tensor.ByteLength));
        Assert.Equal([2, 2], tensor.Shape);
    }

    [Fact]
    public void Accepts_EmptyShape()
    {
        var header = Parse.File(Bytes("8\0\0\0\0\0\0\0{\"test\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[0,4]}}\0\0\0\0"));

        Assert.Empty(header.Tensors[0].Shape);
        Assert.Equal(4, header.Tensors[0].ByteLength);
    }

    [Fact]
    public void Accepts_ZeroSizedTensor()
    {
        var header = Parse.File(Bytes("<\0\0\0\0\0\0\0{\"test\":{\"dtype\":\"I32\",\"shape\":[2,0],\"data_offsets\":[0, 0]}}"));

        Assert.Equal([2, 0], header.Tensors[0].Shape);
        Assert.Equal(0, header.Tensors[0].ByteLength);
    }

    [Fact]
    public void Accepts_WhitespacePaddedHeader()
    {
        Assert.Empty(Parse.File(Bytes("\u0006\0\0\0\0\0\0\0{}\r \t\n")).Tensors);
    }

    [Theory]
    [InlineData("", FormatRule.EmptyFile)]
    [InlineData("<\0\0\0\0\0\0\0", FormatRule.HeaderLengthInvalid)]
    [InlineData("\u0001\0\0\0\0\0\0\0\u00ff", FormatRule.HeaderLengthInvalid)]
    [InlineData("\u0001\0\0\0\0\0\0\0{", FormatRule.HeaderLengthInvalid)]
    [InlineData("<\0\0\0\0\u00ff\u00ff\u00ff{\"test\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", FormatRule.HeaderTooLarge)]
    [InlineData("<\0\0\0\0\0\0\0{\"test\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0, 4]}}", FormatRule.TensorSizeMismatch)]
    [InlineData("O\0\0\0\0\0\0\0{\"test\":{\"dtype\":\"I32\",\"shape\":[2,18446744073709551614],\"data_offsets\":[0,16]}}", FormatRule.SizeOverflow)]
    [InlineData("N\0\0\0\0\0\0\0{\"test\":{\"dtype\":\"I32\",\"shape\":[2,9223372036854775807],\"data_offsets\":[0,16]}}", FormatRule.SizeOverflow)]
    public void Rejects_WhatTheReferenceRejects(string file, FormatRule expected)
    {
        // The reference reports a one-byte header as non-UTF-8 or non-JSON; it is too short to be a JSON object either way.
        var bytes = Bytes(file);
        if (expected is FormatRule.SizeOverflow or FormatRule.HeaderTooLarge)
        {
            bytes = [.. bytes, .. Bytes(Zeros16)];
        }

        Assert.Equal(expected, Parse.Failure(bytes).Rule);
    }

    [Fact]
    public void Rejects_PolyglotFile_WithExtraData()
    {
        var error = Parse.Failure(Bytes("<\0\0\0\0\0\0\0{\"test\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}" + Zeros16 + "extra_bogus_data_for_polyglot_file"));

        Assert.Equal(FormatRule.TrailingBytes, error.Rule);
    }

    [Fact]
    public void Rejects_MissingDataBytes()
    {
        var error = Parse.Failure(Bytes("<\0\0\0\0\0\0\0{\"test\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}" + new string('\0', 14)));

        Assert.Equal(FormatRule.FileTruncated, error.Rule);
    }

    [Fact]
    public void Rejects_JsonAttack_OfTensorsSharingOneRange()
    {
        var entries = Enumerable.Range(0, 10).Select(i => $"\"weight_{i}\":{{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}");

        var error = Parse.Failure(Safetensors.Raw("{" + string.Join(",", entries) + "}", new byte[16]));

        Assert.Equal(FormatRule.DataNotContiguous, error.Rule);
    }

    [Fact]
    public void Writer_MatchesReference_ForEmptyCheckpoint()
    {
        using var directory = new TempDirectory();
        var path = directory.File("m.safetensors");

        CheckpointWriter.WriteFile(path, []);

        Assert.Equal([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32], File.ReadAllBytes(path));
    }

    [Fact]
    public void Writer_MatchesReference_ForMetadataOnly()
    {
        using var directory = new TempDirectory();
        var path = directory.File("m.safetensors");

        CheckpointWriter.WriteFile(path, [], new Dictionary<string, string> { ["framework"] = "pt" });

        Assert.Equal(Bytes("(\0\0\0\0\0\0\0{\"__metadata__\":{\"framework\":\"pt\"}}     "), File.ReadAllBytes(path));
    }

    [Fact]
    public void Writer_MatchesReference_ForForcedAlignment()
    {
        using var directory = new TempDirectory();
        var path = directory.File("m.safetensors");
        var data = MemoryMarshal.AsBytes(new float[] { 0, 1, 2, 3, 4, 5 }.AsSpan()).ToArray();

        CheckpointWriter.WriteFile(path, [TensorToWrite.FromBytes("attn0", DType.F32, [1, 1, 2, 3], data)]);

        byte[] expected =
        [
            .. Bytes("H\0\0\0\0\0\0\0{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}       "),
            .. data,
        ];
        Assert.Equal(expected, File.ReadAllBytes(path));
    }
}
