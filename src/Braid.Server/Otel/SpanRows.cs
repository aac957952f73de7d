using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Storage;

namespace Braid.Server.Otel;

/// <summary>
/// Maps an OTLP span to a Braintrust log row: ids and timing from the span, input, output, model and token counts
/// from the GenAI semantic conventions (<c>gen_ai.*</c>) or Braintrust's own <c>braintrust.*</c> attributes, and every
/// other attribute into <c>metadata</c> under its dotted name, so nothing the client sent is lost.
/// </summary>
public static class SpanRows
{
    // First match wins: Braintrust's explicit attributes, then the current GenAI conventions, then the older ones.
    private static readonly string[] InputKeys = ["braintrust.input_json", "braintrust.input", "gen_ai.input.messages", "gen_ai.prompt"];
    private static readonly string[] OutputKeys = ["braintrust.output_json", "braintrust.output", "gen_ai.output.messages", "gen_ai.completion"];
    private static readonly string[] ModelKeys = ["gen_ai.request.model", "gen_ai.response.model"];
    private static readonly string[] PromptTokenKeys = ["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"];
    private static readonly string[] CompletionTokenKeys = ["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"];

    /// <summary>Why the span cannot be stored (its ids are unusable), or null.</summary>
    public static string? Problem(OtlpSpan span) =>
        IdProblem(span.TraceId, "trace id", 16)
        ?? IdProblem(span.SpanId, "span id", 8)
        ?? (span.ParentSpanId.Length is not (0 or 8) ? $"parent span id is {span.ParentSpanId.Length} bytes, not 8" : null);

    /// <summary>The row for a span that has no <see cref="Problem"/>. Takes the span's attributes and events apart.</summary>
    public static JsonObject ToRow(OtlpSpan span, OtlpResourceSpans resource, OtlpScopeSpans scope)
    {
        var attributes = span.Attributes;
        attributes.Remove(OtelParents.Attribute);
        var spanId = Convert.ToHexStringLower(span.SpanId);
        var row = new JsonObject
        {
            ["id"] = spanId,
            ["span_id"] = spanId,
            ["root_span_id"] = Convert.ToHexStringLower(span.TraceId),
        };
        if (span.ParentSpanId.AsSpan().ContainsAnyExcept((byte)0))
        {
            row["span_parents"] = new JsonArray(Convert.ToHexStringLower(span.ParentSpanId));
        }

        if (span.StartTimeUnixNano > 0)
        {
            row["created"] = Clock.Format(DateTimeOffset.FromUnixTimeMilliseconds((long)(span.StartTimeUnixNano / 1_000_000)));
        }

        var isLlm = attributes.Any(a => a.Key.StartsWith("gen_ai.", StringComparison.Ordinal));
        row["span_attributes"] = new JsonObject { ["name"] = span.Name, ["type"] = isLlm ? "llm" : "task" };
        if (TakeFirst(attributes, InputKeys) is { Key: var inputKey, Value: var input })
        {
            row["input"] = ParseJson(inputKey, input);
        }

        if (TakeFirst(attributes, OutputKeys) is { Key: var outputKey, Value: var output })
        {
            row["output"] = ParseJson(outputKey, output);
        }

        if (span.StatusCode == OtlpValues.StatusError)
        {
            row["error"] = span.StatusMessage.Length > 0 ? span.StatusMessage : "error";
        }

        row["metrics"] = Metrics(span, attributes);
        row["metadata"] = Metadata(span, attributes, resource, scope);
        return row;
    }

    /// <summary>
    /// Hangs the span's trace under a Braintrust span that <c>span.export()</c> named as the parent: it joins that
    /// span's trace (its <c>root_span_id</c>), and a span with no OTLP parent becomes that span's child. The span keeps
    /// its own id.
    /// </summary>
    public static void PlaceUnder(JsonObject row, string parentSpanId, string rootSpanId)
    {
        row["root_span_id"] = rootSpanId;
        row["span_parents"] ??= new JsonArray(parentSpanId);
    }

    private static JsonObject Metrics(OtlpSpan span, JsonObject attributes)
    {
        var metrics = new JsonObject();
        if (span.StartTimeUnixNano > 0)
        {
            metrics["start"] = Seconds(span.StartTimeUnixNano);
        }

        if (span.EndTimeUnixNano > 0)
        {
            metrics["end"] = Seconds(span.EndTimeUnixNano);
        }

        var prompt = TakeNumber(attributes, PromptTokenKeys);
        var completion = TakeNumber(attributes, CompletionTokenKeys);
        if (prompt is not null)
        {
            metrics["prompt_tokens"] = prompt;
        }

        if (completion is not null)
        {
            metrics["completion_tokens"] = completion;
        }

        if (prompt is not null || completion is not null)
        {
            metrics["tokens"] = (prompt ?? 0) + (completion ?? 0);
        }

        return metrics;
    }

    private static JsonObject Metadata(OtlpSpan span, JsonObject attributes, OtlpResourceSpans resource, OtlpScopeSpans scope)
    {
        var model = TakeFirst(attributes, ModelKeys)?.Value;
        var metadata = new JsonObject();
        foreach (var key in attributes.Select(a => a.Key).ToList())
        {
            attributes.Remove(key, out var value);
            metadata[key] = value;
        }

        // Set after the attributes: a span attribute literally named "model" or "resource" does not hide these.
        if (model is not null)
        {
            metadata["model"] = model;
        }

        if (resource.Resource.Count > 0)
        {
            metadata["resource"] = resource.Resource.DeepClone();
        }

        if (scope.Name.Length > 0 || scope.Version.Length > 0)
        {
            metadata["scope"] = new JsonObject { ["name"] = scope.Name, ["version"] = scope.Version.Length > 0 ? scope.Version : null };
        }

        if (span.Events.Count > 0)
        {
            metadata["events"] = new JsonArray([.. span.Events.Select(e => new JsonObject
            {
                ["name"] = e.Name,
                ["time"] = Seconds(e.TimeUnixNano),
                ["attributes"] = e.Attributes,
            })]);
        }

        return metadata;
    }

    /// <summary>Removes and returns the first of <paramref name="keys"/> the span has.</summary>
    private static (string Key, JsonNode? Value)? TakeFirst(JsonObject attributes, string[] keys)
    {
        foreach (var key in keys)
        {
            if (attributes.Remove(key, out var value))
            {
                return (key, value);
            }
        }

        return null;
    }

    /// <summary>Removes and returns the first of <paramref name="keys"/> that holds a number (or a numeric string).</summary>
    private static double? TakeNumber(JsonObject attributes, string[] keys)
    {
        foreach (var key in keys)
        {
            var number = attributes[key] switch
            {
                JsonValue v when v.TryGetValue<long>(out var l) => l,
                JsonValue v when v.TryGetValue<double>(out var d) => d,
                JsonValue v when v.TryGetValue<string>(out var s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
                _ => (double?)null,
            };
            if (number is not null && double.IsFinite(number.Value))
            {
                attributes.Remove(key);
                return number;
            }
        }

        return null;
    }

    /// <summary>
    /// Input and output arrive as strings holding JSON (message lists). A <c>*_json</c> attribute is JSON by name;
    /// elsewhere only an object or array counts, since a bare word or number is what the model said, not JSON.
    /// </summary>
    private static JsonNode? ParseJson(string key, JsonNode? value)
    {
        if (value is not JsonValue text || !text.TryGetValue<string>(out var s) ||
            !(key.EndsWith("_json", StringComparison.Ordinal) || s.AsSpan().TrimStart() is ['{' or '[', ..]))
        {
            return value;
        }

        try
        {
            return JsonNode.Parse(s);
        }
        catch (JsonException)
        {
            return value;
        }
    }

    private static string? IdProblem(byte[] id, string name, int size) =>
        id.Length == 0 ? $"{name} is missing"
        : id.Length != size ? $"{name} is {id.Length} bytes, not {size}"
        : !id.AsSpan().ContainsAnyExcept((byte)0) ? $"{name} is all zeros"
        : null;

    // Whole and fractional seconds apart: nanoseconds since 1970 are past a double's 53 bits, so dividing them
    // whole would turn .25 into .2499998.
    private static double Seconds(ulong unixNanos) => unixNanos / 1_000_000_000 + unixNanos % 1_000_000_000 / 1e9;
}
