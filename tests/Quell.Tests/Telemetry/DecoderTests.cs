using System.Text;
using Quell.Telemetry;

namespace Quell.Tests.Telemetry;

public sealed class DecoderTests
{
    [Fact]
    public void ProtobufDecode_TruncatedVarint_ThrowsWithPosition()
    {
        var ex = Assert.Throws<ProtoFormatException>(() => OtlpProtobufDecoder.Decode([0x0A, 0x80]));
        Assert.Equal(2, ex.Position);
    }

    [Fact]
    public void ProtobufDecode_UnknownFields_AreSkipped()
    {
        // Field 7 varint 1, then an empty ResourceSpans.
        var spans = OtlpProtobufDecoder.Decode([0x38, 0x01, 0x0A, 0x00]);
        Assert.Empty(spans);
    }

    [Fact]
    public void JsonDecode_SnakeCaseAndNumericIntegers_AreAccepted()
    {
        var json = """{"resource_spans":[{"scope_spans":[{"spans":[{"trace_id":"0102030405060708090a0b0c0d0e0f10","span_id":"0102030405060708","start_time_unix_nano":1700000000000000000,"attributes":[{"key":"gen_ai.usage.input_tokens","value":{"int_value":5}}]}]}]}]}""";
        var span = Assert.Single(OtlpJsonDecoder.Decode(Encoding.UTF8.GetBytes(json)));
        Assert.Equal(5L, span.Attributes["gen_ai.usage.input_tokens"]);
        Assert.Equal(1700000000000000000UL, span.StartUnixNano);
    }

    [Fact]
    public void MessagesText_GenAiMessageJson_ExtractsTextParts()
    {
        var text = GenAiSpanMapper.MessagesText("""[{"role":"user","parts":[{"type":"text","content":"hello"}]},{"role":"assistant","content":"hi there"}]""");
        Assert.Equal("hello\nhi there", text);
    }
}
