using System.Text.Json.Nodes;
using Braid.Server.Http;
using Google.Protobuf;

namespace Braid.Server.Otel;

/// <summary>
/// OTLP/HTTP protobuf, walked field by field over Google.Protobuf's wire reader: only the messages and fields Braid
/// keeps are read (field numbers from opentelemetry-proto's trace, common and resource v1 messages). Anything else,
/// including a known field arriving with another wire type, is skipped the way generated code skips unknown fields.
/// </summary>
public sealed class OtlpProtobuf
{
    // A tag is (field number << 3) | wire type.
    private const int Varint = 0;
    private const int Fixed64 = 1;
    private const int Length = 2;

    private readonly CodedInputStream _input;
    private readonly long _end;

    private OtlpProtobuf(ArraySegment<byte> body)
    {
        _input = new CodedInputStream(body.Array!, body.Offset, body.Count);
        _end = body.Offset + body.Count;
    }

    /// <summary>Decodes an <c>ExportTraceServiceRequest</c>; a malformed body is a 400 saying what is wrong.</summary>
    public static IReadOnlyList<OtlpResourceSpans> ReadRequest(ArraySegment<byte> body)
    {
        try
        {
            return new OtlpProtobuf(body).Request();
        }
        catch (InvalidProtocolBufferException e)
        {
            throw Malformed(e.Message);
        }
    }

    /// <summary>
    /// An <c>ExportTraceServiceResponse</c>: <c>partial_success</c> {<c>rejected_spans</c>, <c>error_message</c>}, or
    /// no bytes at all (the empty message) when every span was accepted.
    /// </summary>
    public static byte[] WriteResponse(long rejectedSpans, string errorMessage)
    {
        if (rejectedSpans == 0)
        {
            return [];
        }

        var inner = CodedOutputStream.ComputeTagSize(1) + CodedOutputStream.ComputeInt64Size(rejectedSpans)
            + CodedOutputStream.ComputeTagSize(2) + CodedOutputStream.ComputeStringSize(errorMessage);
        var bytes = new byte[CodedOutputStream.ComputeTagSize(1) + CodedOutputStream.ComputeLengthSize(inner) + inner];
        var output = new CodedOutputStream(bytes);
        output.WriteTag(1, WireFormat.WireType.LengthDelimited);
        output.WriteLength(inner);
        output.WriteTag(1, WireFormat.WireType.Varint);
        output.WriteInt64(rejectedSpans);
        output.WriteTag(2, WireFormat.WireType.LengthDelimited);
        output.WriteString(errorMessage);
        output.CheckNoSpaceLeft();
        return bytes;
    }

    private List<OtlpResourceSpans> Request()
    {
        var resourceSpans = new List<OtlpResourceSpans>();
        uint tag;
        while ((tag = _input.ReadTag()) != 0)
        {
            if (tag == (1 << 3 | Length))
            {
                resourceSpans.Add(ResourceSpans());
            }
            else
            {
                _input.SkipLastField();
            }
        }

        return resourceSpans;
    }

    private OtlpResourceSpans ResourceSpans()
    {
        var resource = new JsonObject();
        var scopeSpans = new List<OtlpScopeSpans>();
        for (var end = Enter(); More(end);)
        {
            switch (_input.ReadTag())
            {
                case 1 << 3 | Length:
                    KeyValues(resource, depth: 0);
                    break;
                case 2 << 3 | Length:
                    scopeSpans.Add(ScopeSpans());
                    break;
                default:
                    _input.SkipLastField();
                    break;
            }
        }

        return new OtlpResourceSpans(resource, scopeSpans);
    }

    private OtlpScopeSpans ScopeSpans()
    {
        string name = "", version = "";
        var spans = new List<OtlpSpan>();
        for (var end = Enter(); More(end);)
        {
            switch (_input.ReadTag())
            {
                case 1 << 3 | Length:
                    for (var scopeEnd = Enter(); More(scopeEnd);)
                    {
                        switch (_input.ReadTag())
                        {
                            case 1 << 3 | Length:
                                name = _input.ReadString();
                                break;
                            case 2 << 3 | Length:
                                version = _input.ReadString();
                                break;
                            default:
                                _input.SkipLastField();
                                break;
                        }
                    }

                    break;
                case 2 << 3 | Length:
                    spans.Add(Span());
                    break;
                default:
                    _input.SkipLastField();
                    break;
            }
        }

        return new OtlpScopeSpans(name, version, spans);
    }

    private OtlpSpan Span()
    {
        var span = new OtlpSpan();
        for (var end = Enter(); More(end);)
        {
            switch (_input.ReadTag())
            {
                case 1 << 3 | Length:
                    span.TraceId = _input.ReadBytes().ToByteArray();
                    break;
                case 2 << 3 | Length:
                    span.SpanId = _input.ReadBytes().ToByteArray();
                    break;
                case 4 << 3 | Length:
                    span.ParentSpanId = _input.ReadBytes().ToByteArray();
                    break;
                case 5 << 3 | Length:
                    span.Name = _input.ReadString();
                    break;
                case 7 << 3 | Fixed64:
                    span.StartTimeUnixNano = _input.ReadFixed64();
                    break;
                case 8 << 3 | Fixed64:
                    span.EndTimeUnixNano = _input.ReadFixed64();
                    break;
                case 9 << 3 | Length:
                    KeyValue(span.Attributes, depth: 0);
                    break;
                case 11 << 3 | Length:
                    span.Events.Add(Event());
                    break;
                case 15 << 3 | Length:
                    for (var statusEnd = Enter(); More(statusEnd);)
                    {
                        switch (_input.ReadTag())
                        {
                            case 2 << 3 | Length:
                                span.StatusMessage = _input.ReadString();
                                break;
                            case 3 << 3 | Varint:
                                span.StatusCode = _input.ReadEnum();
                                break;
                            default:
                                _input.SkipLastField();
                                break;
                        }
                    }

                    break;
                default:
                    _input.SkipLastField();
                    break;
            }
        }

        return span;
    }

    private OtlpEvent Event()
    {
        ulong time = 0;
        var name = "";
        var attributes = new JsonObject();
        for (var end = Enter(); More(end);)
        {
            switch (_input.ReadTag())
            {
                case 1 << 3 | Fixed64:
                    time = _input.ReadFixed64();
                    break;
                case 2 << 3 | Length:
                    name = _input.ReadString();
                    break;
                case 3 << 3 | Length:
                    KeyValue(attributes, depth: 0);
                    break;
                default:
                    _input.SkipLastField();
                    break;
            }
        }

        return new OtlpEvent(time, name, attributes);
    }

    /// <summary>A message whose field 1 is a repeated <c>KeyValue</c>: <c>Resource</c> and <c>KeyValueList</c>.</summary>
    private void KeyValues(JsonObject into, int depth)
    {
        for (var end = Enter(); More(end);)
        {
            if (_input.ReadTag() == (1 << 3 | Length))
            {
                KeyValue(into, depth);
            }
            else
            {
                _input.SkipLastField();
            }
        }
    }

    private void KeyValue(JsonObject into, int depth)
    {
        var key = "";
        JsonNode? value = null;
        for (var end = Enter(); More(end);)
        {
            switch (_input.ReadTag())
            {
                case 1 << 3 | Length:
                    key = _input.ReadString();
                    break;
                case 2 << 3 | Length:
                    value = AnyValue(depth);
                    break;
                default:
                    _input.SkipLastField();
                    break;
            }
        }

        into[key] = value;
    }

    private JsonNode? AnyValue(int depth)
    {
        if (depth > OtlpValues.MaxValueDepth)
        {
            throw Malformed($"attribute values nest deeper than {OtlpValues.MaxValueDepth} levels");
        }

        JsonNode? value = null;
        for (var end = Enter(); More(end);)
        {
            switch (_input.ReadTag())
            {
                case 1 << 3 | Length:
                    value = _input.ReadString();
                    break;
                case 2 << 3 | Varint:
                    value = _input.ReadBool();
                    break;
                case 3 << 3 | Varint:
                    value = _input.ReadInt64();
                    break;
                case 4 << 3 | Fixed64:
                    value = OtlpValues.Double(_input.ReadDouble());
                    break;
                case 5 << 3 | Length:
                    var array = new JsonArray();
                    for (var arrayEnd = Enter(); More(arrayEnd);)
                    {
                        if (_input.ReadTag() == (1 << 3 | Length))
                        {
                            array.Add(AnyValue(depth + 1));
                        }
                        else
                        {
                            _input.SkipLastField();
                        }
                    }

                    value = array;
                    break;
                case 6 << 3 | Length:
                    var list = new JsonObject();
                    KeyValues(list, depth + 1);
                    value = list;
                    break;
                case 7 << 3 | Length:
                    value = _input.ReadBytes().ToBase64();
                    break;
                default:
                    _input.SkipLastField();
                    break;
            }
        }

        return value;
    }

    /// <summary>Reads an embedded message's length; returns where it ends.</summary>
    private long Enter()
    {
        var length = _input.ReadLength();
        var end = _input.Position + length;
        return length >= 0 && end <= _end ? end : throw Malformed("an embedded message is longer than the rest of the body");
    }

    /// <summary>Whether the embedded message ending at <paramref name="end"/> has more fields.</summary>
    private bool More(long end) =>
        _input.Position < end || (_input.Position > end ? throw Malformed("a field runs past the end of its message") : false);

    private static ApiException Malformed(string problem) =>
        ApiException.BadRequest($"request body is not a valid OTLP ExportTraceServiceRequest (protobuf): {problem}");
}
