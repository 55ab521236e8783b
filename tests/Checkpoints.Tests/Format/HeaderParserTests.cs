using System.Text;
using Checkpoints.Format;
using Checkpoints.Tests.TestSupport;

namespace Checkpoints.Tests.Format;

public sealed class HeaderParserTests
{
    [Fact]
    public void Parse_AcceptsMinimalFile_WithOneTensor()
    {
        var header = Parse.File(Safetensors.WithTensors(("w", "F32", "[2,3]", 0, 24)));

        var tensor = Assert.Single(header.Tensors);
        Assert.Equal(("w", DType.F32, 6L, 0L, 24L), (tensor.Name, tensor.DType, tensor.ElementCount, tensor.DataBegin, tensor.DataEnd));
        Assert.Equal([2, 3], tensor.Shape);
        Assert.Null(header.Metadata);
    }

    [Fact]
    public void Parse_AcceptsWhitespaceAroundTheObject_AsWritersPad()
    {
        var header = Parse.File(Safetensors.Raw("  \n{\"w\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}     ", [1, 2]));

        Assert.Equal(2, header.Tensors[0].ByteLength);
    }

    [Fact]
    public void Parse_AcceptsNullMetadata_AsMlxWrites()
    {
        var header = Parse.File(Safetensors.Raw("{\"__metadata__\":null,\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", [9]));

        Assert.Null(header.Metadata);
        Assert.Single(header.Tensors);
    }

    [Fact]
    public void Parse_ReadsMetadataStrings()
    {
        var header = Parse.File(Safetensors.Raw("{\"__metadata__\":{\"format\":\"pt\",\"note\":\"caf\\u00e9\"}}"));

        Assert.Equal("pt", header.Metadata!["format"]);
        Assert.Equal("café", header.Metadata["note"]);
    }

    [Fact]
    public void Parse_IgnoresUnknownKeys_InTensorEntries()
    {
        var header = Parse.File(Safetensors.Raw("{\"w\":{\"extra\":{\"deep\":[1,[2,{}]]},\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"more\":null}}", [5]));

        Assert.Equal("w", header.Tensors[0].Name);
    }

    [Fact]
    public void Parse_AcceptsScalarAndZeroSizeTensors()
    {
        var header = Parse.File(Safetensors.WithTensors(
            ("empty", "F32", "[0,5]", 0, 0),
            ("scalar", "F64", "[]", 0, 8),
            ("tail", "I32", "[3,0]", 8, 8)));

        Assert.Equal(["empty", "scalar", "tail"], header.Tensors.Select(t => t.Name));
        Assert.Equal(1, header.Tensors[1].ElementCount);
        Assert.Equal(0, header.Tensors[2].ElementCount);
    }

    [Fact]
    public void Parse_AcceptsEmptyHeader_WithNoData()
    {
        Assert.Empty(Parse.File(Safetensors.Raw("{}")).Tensors);
    }

    [Fact]
    public void Parse_SortsTensorsByOffset_WhateverTheHeaderOrder()
    {
        var header = Parse.File(Safetensors.WithTensors(("b", "U8", "[2]", 2, 4), ("a", "U8", "[2]", 0, 2)));

        Assert.Equal(["a", "b"], header.Tensors.Select(t => t.Name));
    }

    [Theory]
    [InlineData("BOOL", DType.Bool, 8)]
    [InlineData("U8", DType.U8, 8)]
    [InlineData("I8", DType.I8, 8)]
    [InlineData("U16", DType.U16, 16)]
    [InlineData("I16", DType.I16, 16)]
    [InlineData("F16", DType.F16, 16)]
    [InlineData("BF16", DType.BF16, 16)]
    [InlineData("U32", DType.U32, 32)]
    [InlineData("I32", DType.I32, 32)]
    [InlineData("F32", DType.F32, 32)]
    [InlineData("U64", DType.U64, 64)]
    [InlineData("I64", DType.I64, 64)]
    [InlineData("F64", DType.F64, 64)]
    [InlineData("C64", DType.C64, 64)]
    [InlineData("F8_E4M3", DType.F8E4M3, 8)]
    [InlineData("F8_E5M2", DType.F8E5M2, 8)]
    [InlineData("F8_E8M0", DType.F8E8M0, 8)]
    [InlineData("F8_E4M3FNUZ", DType.F8E4M3Fnuz, 8)]
    [InlineData("F8_E5M2FNUZ", DType.F8E5M2Fnuz, 8)]
    [InlineData("F4", DType.F4, 4)]
    [InlineData("F6_E2M3", DType.F6E2M3, 6)]
    [InlineData("F6_E3M2", DType.F6E3M2, 6)]
    public void Parse_KnowsEveryDType_AndItsWidth(string name, DType expected, int bits)
    {
        // 8 elements fill a whole number of bytes for every width, sub-byte ones included.
        var bytes = bits; // 8 elements x bits / 8
        var header = Parse.File(Safetensors.WithTensors(("t", name, "[8]", 0, bytes)));

        Assert.Equal(expected, header.Tensors[0].DType);
        Assert.Equal(bits, expected.BitSize());
        Assert.Equal(name, expected.Name());
    }

    [Fact]
    public void Parse_Rejects_EmptyFile()
    {
        var error = Parse.Failure([]);

        Assert.Equal(FormatRule.EmptyFile, error.Rule);
        Assert.Contains("empty (0 bytes)", error.Message, StringComparison.Ordinal);
        Assert.Contains("model.safetensors", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Rejects_FileShorterThanPrefix()
    {
        Assert.Equal(FormatRule.FileTooShort, Parse.Failure([1, 0, 0]).Rule);
    }

    [Fact]
    public void Parse_Recognises_GitLfsPointer()
    {
        var pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a2146fb1cbe4bba0e8d8f3e6dd9d4c1b5d87e0d3b8b5a4d0b1b2e3f4a5b6c\nsize 4976698672\n";

        var error = Parse.Failure(Encoding.ASCII.GetBytes(pointer));

        Assert.Equal(FormatRule.GitLfsPointer, error.Rule);
        Assert.Contains("git lfs pull", error.Message, StringComparison.Ordinal);
        Assert.Contains("4,976,698,672 bytes", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<!DOCTYPE html><html><body>403 Forbidden</body></html>", "HTML")]
    [InlineData("\n  <html><head><title>Sign in</title>", "HTML")]
    [InlineData("{\"error\":\"Repository not found\"}", "JSON document")]
    [InlineData("Entry not found on this server, please check the path", "text file")]
    [InlineData("PK\u0003\u0004\u0014\u0000\u0000\u0000\u0008\u0000archive/data.pkl", "ZIP archive")]
    [InlineData("GGUF\u0003\u0000\u0000\u0000\u0001\u0000\u0000\u0000\u0000\u0000\u0000\u0000", "GGUF")]
    public void Parse_Recognises_FilesSavedInPlaceOfWeights(string content, string expected)
    {
        var error = Parse.Failure(Encoding.UTF8.GetBytes(content));

        Assert.Equal(FormatRule.NotSafetensors, error.Rule);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Rejects_HeaderAboveFormatLimit()
    {
        var error = Parse.Failure(Safetensors.Raw("{}", new byte[16], declaredLength: 100_000_001));

        Assert.Equal(FormatRule.HeaderTooLarge, error.Rule);
        Assert.Equal(0, error.ByteOffset);
        Assert.Contains("100,000,001", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Rejects_HeaderLengthPastEndOfFile()
    {
        var error = Parse.Failure(Safetensors.Raw("{}", declaredLength: 3));

        Assert.Equal(FormatRule.HeaderLengthInvalid, error.Rule);
        Assert.Contains("only 2 bytes follow", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Rejects_HeaderLengthTooSmallForJson()
    {
        Assert.Equal(FormatRule.HeaderLengthInvalid, Parse.Failure(Safetensors.Raw("{}", new byte[4], declaredLength: 1)).Rule);
    }

    [Fact]
    public void Parse_Rejects_InvalidUtf8_AtItsOffset()
    {
        var json = Encoding.UTF8.GetBytes("{\"__metadata__\":{\"k\":\"v?\"}}");
        json[Array.IndexOf(json, (byte)'?')] = 0xFF;

        var error = Parse.Failure(Safetensors.Raw(json));

        Assert.Equal(FormatRule.HeaderNotUtf8, error.Rule);
        Assert.Equal(8 + Array.IndexOf(json, (byte)0xFF), error.ByteOffset);
    }

    [Theory]
    [InlineData("{\"w\":}")]
    [InlineData("{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},}")]
    [InlineData("{\"__metadata__\":{} // comment\n}")]
    [InlineData("{} {}")]
    [InlineData("{}x")]
    [InlineData("[]")]
    [InlineData("\"text\"")]
    [InlineData("{\"w\":{\"dtype\":\"U8\"")]
    public void Parse_Rejects_HeaderThatIsNotOneJsonObject(string header)
    {
        Assert.Equal(FormatRule.HeaderNotJson, Parse.Failure(Safetensors.Raw(header)).Rule);
    }

    [Fact]
    public void Parse_Rejects_LoneSurrogateEscape()
    {
        Assert.Equal(FormatRule.HeaderNotJson, Parse.Failure(Safetensors.Raw("{\"\\ud800\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}")).Rule);
    }

    [Theory]
    [InlineData("{\"__metadata__\":5}")]
    [InlineData("{\"__metadata__\":[]}")]
    [InlineData("{\"__metadata__\":{\"k\":1}}")]
    [InlineData("{\"__metadata__\":{\"k\":null}}")]
    [InlineData("{\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}}")]
    [InlineData("{\"__metadata__\":null,\"__metadata__\":null}")]
    public void Parse_Rejects_MetadataThatIsNotAnObjectOfStrings(string header)
    {
        Assert.Equal(FormatRule.MetadataInvalid, Parse.Failure(Safetensors.Raw(header)).Rule);
    }

    [Theory]
    [InlineData("{\"w\":5}", "must be an object")]
    [InlineData("{\"w\":{\"shape\":[1],\"data_offsets\":[0,1]}}", "has no dtype")]
    [InlineData("{\"w\":{\"dtype\":\"U8\",\"data_offsets\":[0,1]}}", "has no shape")]
    [InlineData("{\"w\":{\"dtype\":\"U8\"}}", "has no shape and no data_offsets")]
    [InlineData("{\"w\":{\"dtype\":\"U8\",\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", "the key 'dtype' twice")]
    public void Parse_Rejects_MalformedTensorEntry(string header, string expected)
    {
        var error = Parse.Failure(Safetensors.Raw(header, [0]));

        Assert.Equal(FormatRule.TensorEntryInvalid, error.Rule);
        Assert.Equal("w", error.TensorName);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"F128\"")]
    [InlineData("\"bf16\"")]
    [InlineData("16")]
    public void Parse_Rejects_UnknownDType(string dtype)
    {
        var error = Parse.Failure(Safetensors.Raw($"{{\"w\":{{\"dtype\":{dtype},\"shape\":[1],\"data_offsets\":[0,1]}}}}", [0]));

        Assert.Equal(FormatRule.UnknownDType, error.Rule);
    }

    [Theory]
    [InlineData("[-1]")]
    [InlineData("[1.5]")]
    [InlineData("[1e3]")]
    [InlineData("[\"2\"]")]
    [InlineData("[18446744073709551616]")]
    [InlineData("5")]
    public void Parse_Rejects_ShapeThatIsNotNonNegativeIntegers(string shape)
    {
        Assert.Equal(FormatRule.ShapeInvalid, Parse.Failure(Safetensors.Raw($"{{\"w\":{{\"dtype\":\"U8\",\"shape\":{shape},\"data_offsets\":[0,1]}}}}", [0])).Rule);
    }

    [Theory]
    [InlineData("[0]")]
    [InlineData("[0,1,2]")]
    [InlineData("[1,0]")]
    [InlineData("[-1,0]")]
    [InlineData("{}")]
    public void Parse_Rejects_DataOffsetsThatAreNotAPair(string offsets)
    {
        Assert.Equal(FormatRule.DataOffsetsInvalid, Parse.Failure(Safetensors.Raw($"{{\"w\":{{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":{offsets}}}}}", [0])).Rule);
    }

    [Fact]
    public void Parse_Rejects_DuplicateTensorNames_StricterThanReference()
    {
        var error = Parse.Failure(Safetensors.Raw("{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", [0, 0]));

        Assert.Equal(FormatRule.DuplicateTensor, error.Rule);
        Assert.Equal("w", error.TensorName);
    }

    [Fact]
    public void Parse_Rejects_ElementCountOverflow_InsteadOfWrapping()
    {
        // 2^32 x 2^32 wraps to 0 in 64-bit arithmetic, which would pass a naive size check for [0, 0].
        var error = Parse.Failure(Safetensors.WithTensors(("w", "U8", "[4294967296,4294967296]", 0, 0)));

        Assert.Equal(FormatRule.SizeOverflow, error.Rule);
    }

    [Fact]
    public void Parse_Rejects_ByteSizeOverflow()
    {
        Assert.Equal(FormatRule.SizeOverflow, Parse.Failure(Safetensors.WithTensors(("w", "F64", "[4611686018427387904]", 0, 0))).Rule);
    }

    [Fact]
    public void Parse_Rejects_SubByteTensor_ThatIsNotWholeBytes()
    {
        var error = Parse.Failure(Safetensors.WithTensors(("w", "F4", "[3]", 0, 2)));

        Assert.Equal(FormatRule.PartialByte, error.Rule);
        Assert.Contains("12 bits", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Rejects_OffsetsThatDisagreeWithShape()
    {
        var error = Parse.Failure(Safetensors.WithTensors(("w", "F32", "[2,3]", 0, 20)));

        Assert.Equal(FormatRule.TensorSizeMismatch, error.Rule);
        Assert.Contains("24 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("span 20 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Rejects_DataThatDoesNotStartAtZero()
    {
        var error = Parse.Failure(Safetensors.WithTensors(("w", "U8", "[2]", 2, 4)));

        Assert.Equal(FormatRule.DataNotContiguous, error.Rule);
        Assert.Contains("instead of 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Rejects_GapBetweenTensors()
    {
        var error = Parse.Failure(Safetensors.WithTensors(("a", "U8", "[2]", 0, 2), ("b", "U8", "[2]", 3, 5)));

        Assert.Equal(FormatRule.DataNotContiguous, error.Rule);
        Assert.Equal("b", error.TensorName);
        Assert.Contains("1 bytes between tensor 'a'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Rejects_OverlappingTensors()
    {
        var error = Parse.Failure(Safetensors.WithTensors(("a", "U8", "[4]", 0, 4), ("b", "U8", "[2]", 2, 4)));

        Assert.Equal(FormatRule.DataNotContiguous, error.Rule);
        Assert.Contains("overlaps tensor 'a'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ExplainsTruncatedFile_WithBothSizes()
    {
        var complete = Safetensors.WithTensors(("w", "U8", "[1000]", 0, 1000));
        var truncated = complete[..^400];

        var error = Parse.Failure(truncated, "model-00002-of-00004.safetensors");

        Assert.Equal(FormatRule.FileTruncated, error.Rule);
        Assert.Contains($"model-00002-of-00004.safetensors", error.Message, StringComparison.Ordinal);
        Assert.Contains($"is {truncated.Length:N0} bytes but its header describes 1,000 bytes of data", error.Message, StringComparison.Ordinal);
        Assert.Contains("incomplete", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Rejects_TrailingBytes()
    {
        var bytes = Safetensors.WithTensors(("w", "U8", "[4]", 0, 4));

        var error = Parse.Failure([.. bytes, 0, 0, 0]);

        Assert.Equal(FormatRule.TrailingBytes, error.Rule);
        Assert.Equal(bytes.Length, error.ByteOffset);
    }

    [Fact]
    public void Parse_ReportsOffsetOfOffendingEntry()
    {
        var json = "{\"ok\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"bad\":{\"dtype\":\"X9\",\"shape\":[1],\"data_offsets\":[1,2]}}";

        var error = Parse.Failure(Safetensors.Raw(json, [0, 0]));

        Assert.Equal(8 + json.IndexOf("\"X9\"", StringComparison.Ordinal), error.ByteOffset);
        Assert.Equal("bad", error.TensorName);
    }
}
