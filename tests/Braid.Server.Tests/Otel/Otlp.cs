using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;
using Google.Protobuf;

namespace Braid.Server.Tests.Otel;

/// <summary>A span as a test writes it by hand, in either OTLP wire format.</summary>
public sealed record TestSpan(string TraceId, string SpanId, string Name, params (string Key, string Value)[] Attributes)
{
    public string ParentSpanId { get; init; } = "";

    public ulong StartTimeUnixNano { get; init; } = 1_700_000_000_000_000_000;

    public ulong EndTimeUnixNano { get; init; } = 1_700_000_001_500_000_000;
}

/// <summary>Builds OTLP/HTTP requests by hand and posts them to <c>/otel/v1/traces</c>.</summary>
public static class Otlp
{
    public const string Path = "/otel/v1/traces";

    public static string NewTraceId() => Guid.NewGuid().ToString("N");

    public static string NewSpanId() => Guid.NewGuid().ToString("N")[..16];

    /// <summary>A new organization and a project in it to send spans to.</summary>
    public static async Task<(ApiClient Api, string ProjectId)> NewProjectAsync(BraidApp app)
    {
        var api = await app.NewTenantAsync();
        return (api, (string)(await api.CreateProjectAsync())["id"]!);
    }

    public static Task<ApiResponse> PostAsync(ApiClient api, HttpContent content, string? parent, IDictionary<string, string>? headers = null)
    {
        var all = new Dictionary<string, string>(headers ?? new Dictionary<string, string>());
        if (parent is not null)
        {
            all["x-bt-parent"] = parent;
        }

        return api.SendAsync(HttpMethod.Post, Path, content, all);
    }

    public static HttpContent Json(string json, bool gzip = false) => Content(Encoding.UTF8.GetBytes(json), "application/json", gzip);

    public static HttpContent Protobuf(byte[] body, bool gzip = false) => Content(body, "application/x-protobuf", gzip);

    public static HttpContent Content(byte[] body, string contentType, bool gzip = false)
    {
        if (gzip)
        {
            using var compressed = new MemoryStream();
            using (var zip = new GZipStream(compressed, CompressionLevel.Fastest))
            {
                zip.Write(body);
            }

            body = compressed.ToArray();
        }

        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        if (gzip)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }

        return content;
    }

    /// <summary>An <c>ExportTraceServiceRequest</c> with one resource and one scope holding <paramref name="spans"/>.</summary>
    public static byte[] ProtobufRequest(params TestSpan[] spans) =>
        Message(request => Embedded(request, 1, Message(resourceSpans =>
        {
            Embedded(resourceSpans, 1, Message(resource => Embedded(resource, 1, KeyValue("service.name", "proto-test"))));
            Embedded(resourceSpans, 2, Message(scopeSpans =>
            {
                Embedded(scopeSpans, 1, Message(scope =>
                {
                    scope.WriteTag(1, WireFormat.WireType.LengthDelimited);
                    scope.WriteString("hand-built");
                }));
                foreach (var span in spans)
                {
                    Embedded(scopeSpans, 2, Message(s =>
                    {
                        s.WriteTag(1, WireFormat.WireType.LengthDelimited);
                        s.WriteBytes(ByteString.CopyFrom(Convert.FromHexString(span.TraceId)));
                        s.WriteTag(2, WireFormat.WireType.LengthDelimited);
                        s.WriteBytes(ByteString.CopyFrom(Convert.FromHexString(span.SpanId)));
                        s.WriteTag(4, WireFormat.WireType.LengthDelimited);
                        s.WriteBytes(ByteString.CopyFrom(Convert.FromHexString(span.ParentSpanId)));
                        s.WriteTag(5, WireFormat.WireType.LengthDelimited);
                        s.WriteString(span.Name);
                        s.WriteTag(7, WireFormat.WireType.Fixed64);
                        s.WriteFixed64(span.StartTimeUnixNano);
                        s.WriteTag(8, WireFormat.WireType.Fixed64);
                        s.WriteFixed64(span.EndTimeUnixNano);
                        foreach (var (key, value) in span.Attributes)
                        {
                            Embedded(s, 9, KeyValue(key, value));
                        }
                    }));
                }
            }));
        })));

    /// <summary>The same request in OTLP JSON.</summary>
    public static string JsonRequest(params TestSpan[] spans) =>
        new JsonObject
        {
            ["resourceSpans"] = new JsonArray(new JsonObject
            {
                ["scopeSpans"] = new JsonArray(new JsonObject
                {
                    ["spans"] = new JsonArray([.. spans.Select(span => new JsonObject
                    {
                        ["traceId"] = span.TraceId,
                        ["spanId"] = span.SpanId,
                        ["parentSpanId"] = span.ParentSpanId,
                        ["name"] = span.Name,
                        ["startTimeUnixNano"] = span.StartTimeUnixNano.ToString(CultureInfo.InvariantCulture),
                        ["endTimeUnixNano"] = span.EndTimeUnixNano,
                        ["attributes"] = new JsonArray([.. span.Attributes.Select(a => new JsonObject
                        {
                            ["key"] = a.Key,
                            ["value"] = new JsonObject { ["stringValue"] = a.Value },
                        })]),
                    })]),
                }),
            }),
        }.ToJsonString();

    /// <summary>Decodes an <c>ExportTraceServiceResponse</c>: (rejected_spans, error_message), or (0, "") for the empty message.</summary>
    public static (long RejectedSpans, string ErrorMessage) ProtobufResponse(byte[] body)
    {
        long rejected = 0;
        var message = "";
        var response = new CodedInputStream(body);
        for (var tag = response.ReadTag(); tag != 0; tag = response.ReadTag())
        {
            if (WireFormat.GetTagFieldNumber(tag) != 1)
            {
                response.SkipLastField();
                continue;
            }

            var partial = new CodedInputStream(response.ReadBytes().ToByteArray());
            for (var inner = partial.ReadTag(); inner != 0; inner = partial.ReadTag())
            {
                switch (WireFormat.GetTagFieldNumber(inner))
                {
                    case 1:
                        rejected = partial.ReadInt64();
                        break;
                    case 2:
                        message = partial.ReadString();
                        break;
                    default:
                        partial.SkipLastField();
                        break;
                }
            }
        }

        return (rejected, message);
    }

    public static byte[] Message(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            write(output);
        }

        return buffer.ToArray();
    }

    /// <summary>An embedded message is, on the wire, a length-delimited field like bytes.</summary>
    public static void Embedded(CodedOutputStream output, int field, byte[] message)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(message));
    }

    private static byte[] KeyValue(string key, string value) => Message(kv =>
    {
        kv.WriteTag(1, WireFormat.WireType.LengthDelimited);
        kv.WriteString(key);
        Embedded(kv, 2, Message(any =>
        {
            any.WriteTag(1, WireFormat.WireType.LengthDelimited);
            any.WriteString(value);
        }));
    });
}
