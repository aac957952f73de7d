using System.Globalization;
using System.Text.Json.Nodes;

namespace Braid.Server.Otel;

/// <summary>
/// The parts of an OTLP <c>ExportTraceServiceRequest</c> that Braid keeps, as both wire formats decode them.
/// Attribute values are already JSON: kvlist → object, array → array, bytes → base64, int64 → number.
/// </summary>
public sealed record OtlpResourceSpans(JsonObject Resource, IReadOnlyList<OtlpScopeSpans> ScopeSpans);

public sealed record OtlpScopeSpans(string Name, string Version, IReadOnlyList<OtlpSpan> Spans);

public sealed class OtlpSpan
{
    public byte[] TraceId { get; set; } = [];

    public byte[] SpanId { get; set; } = [];

    public byte[] ParentSpanId { get; set; } = [];

    public string Name { get; set; } = "";

    public ulong StartTimeUnixNano { get; set; }

    public ulong EndTimeUnixNano { get; set; }

    public JsonObject Attributes { get; } = [];

    public List<OtlpEvent> Events { get; } = [];

    /// <summary>OTLP's <c>Status.StatusCode</c>: 0 unset, 1 ok, 2 error.</summary>
    public int StatusCode { get; set; }

    public string StatusMessage { get; set; } = "";
}

public sealed record OtlpEvent(ulong TimeUnixNano, string Name, JsonObject Attributes);

public static class OtlpValues
{
    public const int StatusError = 2;

    /// <summary>Nesting allowed in attribute values (arrays and kvlists), so a hostile body cannot exhaust the stack.</summary>
    public const int MaxValueDepth = 32;

    /// <summary>JSON has no NaN or infinities: those doubles are kept as the strings proto3 JSON uses for them.</summary>
    public static JsonNode Double(double value) =>
        double.IsFinite(value) ? JsonValue.Create(value) : JsonValue.Create(value.ToString(CultureInfo.InvariantCulture));
}
