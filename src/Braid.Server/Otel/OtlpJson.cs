using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Server.Http;

namespace Braid.Server.Otel;

/// <summary>
/// OTLP/HTTP JSON: the protobuf JSON mapping with OTLP's changes (lowerCamelCase names only, trace and span ids
/// as hex). 64-bit integers may be strings or numbers, enums numbers or names. Unknown fields are skipped and a
/// null is the field's default; a value of the wrong type is a 400 naming its path.
/// </summary>
public static class OtlpJson
{
    public static IReadOnlyList<OtlpResourceSpans> ReadRequest(ArraySegment<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.AsMemory());
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"request body is not valid JSON: {e.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Wrong("request body", "a JSON object (an ExportTraceServiceRequest)");
            }

            return [.. Items(root, "resourceSpans", "").Select(ResourceSpans)];
        }
    }

    private static OtlpResourceSpans ResourceSpans((JsonElement Element, string Path) item)
    {
        var (element, path) = item;
        var resource = new JsonObject();
        if (Object(element, "resource", path) is { } resourceElement)
        {
            Attributes(resourceElement, "attributes", $"{path}.resource", resource, depth: 0);
        }

        return new OtlpResourceSpans(resource, [.. Items(element, "scopeSpans", path).Select(ScopeSpans)]);
    }

    private static OtlpScopeSpans ScopeSpans((JsonElement Element, string Path) item)
    {
        var (element, path) = item;
        var scope = Object(element, "scope", path);
        return new OtlpScopeSpans(
            scope is { } s ? String(s, "name", $"{path}.scope") : "",
            scope is { } v ? String(v, "version", $"{path}.scope") : "",
            [.. Items(element, "spans", path).Select(Span)]);
    }

    private static OtlpSpan Span((JsonElement Element, string Path) item)
    {
        var (element, path) = item;
        var span = new OtlpSpan
        {
            TraceId = Hex(element, "traceId", path),
            SpanId = Hex(element, "spanId", path),
            ParentSpanId = Hex(element, "parentSpanId", path),
            Name = String(element, "name", path),
            StartTimeUnixNano = UInt64(element, "startTimeUnixNano", path),
            EndTimeUnixNano = UInt64(element, "endTimeUnixNano", path),
        };
        Attributes(element, "attributes", path, span.Attributes, depth: 0);
        foreach (var (eventElement, eventPath) in Items(element, "events", path))
        {
            var attributes = new JsonObject();
            Attributes(eventElement, "attributes", eventPath, attributes, depth: 0);
            span.Events.Add(new OtlpEvent(UInt64(eventElement, "timeUnixNano", eventPath), String(eventElement, "name", eventPath), attributes));
        }

        if (Object(element, "status", path) is { } status)
        {
            span.StatusMessage = String(status, "message", $"{path}.status");
            span.StatusCode = StatusCode(status, $"{path}.status");
        }

        return span;
    }

    private static void Attributes(JsonElement element, string name, string path, JsonObject into, int depth)
    {
        foreach (var (keyValue, itemPath) in Items(element, name, path))
        {
            into[String(keyValue, "key", itemPath)] = Object(keyValue, "value", itemPath) is { } value ? AnyValue(value, $"{itemPath}.value", depth) : null;
        }
    }

    private static JsonNode? AnyValue(JsonElement element, string path, int depth)
    {
        if (depth > OtlpValues.MaxValueDepth)
        {
            throw Wrong(path, $"nested at most {OtlpValues.MaxValueDepth} levels deep");
        }

        if (Field(element, "stringValue") is { } text)
        {
            return text.ValueKind == JsonValueKind.String ? text.GetString() : throw Wrong($"{path}.stringValue", "a string");
        }

        if (Field(element, "boolValue") is { } flag)
        {
            return flag.ValueKind is JsonValueKind.True or JsonValueKind.False ? flag.GetBoolean() : throw Wrong($"{path}.boolValue", "true or false");
        }

        if (Field(element, "intValue") is { } integer)
        {
            return Int64(integer, $"{path}.intValue");
        }

        if (Field(element, "doubleValue") is { } number)
        {
            return OtlpValues.Double(Double(number, $"{path}.doubleValue"));
        }

        if (Object(element, "arrayValue", path) is { } array)
        {
            return new JsonArray([.. Items(array, "values", $"{path}.arrayValue").Select(i => AnyValue(i.Element, i.Path, depth + 1))]);
        }

        if (Object(element, "kvlistValue", path) is { } list)
        {
            var values = new JsonObject();
            Attributes(list, "values", $"{path}.kvlistValue", values, depth + 1);
            return values;
        }

        if (Field(element, "bytesValue") is { } bytes)
        {
            return Convert.ToBase64String(Base64(bytes, $"{path}.bytesValue"));
        }

        return null;
    }

    /// <summary>The elements of an array field with their paths; none when the field is absent or null.</summary>
    private static IEnumerable<(JsonElement Element, string Path)> Items(JsonElement element, string name, string path)
    {
        if (Field(element, name) is not { } array)
        {
            return [];
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            throw Wrong(At(path, name), "an array");
        }

        return array.EnumerateArray().Select((item, i) => item.ValueKind == JsonValueKind.Object
            ? (item, At(path, $"{name}[{i}]"))
            : throw Wrong(At(path, $"{name}[{i}]"), "an object"));
    }

    private static JsonElement? Object(JsonElement element, string name, string path) =>
        Field(element, name) is not { } value ? null
        : value.ValueKind == JsonValueKind.Object ? value
        : throw Wrong(At(path, name), "an object");

    private static string String(JsonElement element, string name, string path) =>
        Field(element, name) is not { } value ? ""
        : value.ValueKind == JsonValueKind.String ? value.GetString()!
        : throw Wrong(At(path, name), "a string");

    private static byte[] Hex(JsonElement element, string name, string path)
    {
        var text = String(element, name, path);
        try
        {
            return Convert.FromHexString(text);
        }
        catch (FormatException)
        {
            throw Wrong(At(path, name), $"a hex string (OTLP JSON ids are hex, not base64), not '{text}'");
        }
    }

    private static ulong UInt64(JsonElement element, string name, string path)
    {
        var value = Field(element, name);
        if (value is null)
        {
            return 0;
        }

        return value.Value.ValueKind switch
        {
            JsonValueKind.Number when value.Value.TryGetUInt64(out var n) => n,
            JsonValueKind.String when ulong.TryParse(value.Value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
            _ => throw Wrong(At(path, name), "an unsigned 64-bit integer (a number or a decimal string)"),
        };
    }

    private static long Int64(JsonElement value, string path) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetInt64(out var n) => n,
        JsonValueKind.String when long.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => n,
        _ => throw Wrong(path, "a 64-bit integer (a number or a decimal string)"),
    };

    private static double Double(JsonElement value, string path) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetDouble(),
        // proto3 JSON writes the non-finite doubles as strings.
        JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => throw Wrong(path, "a number"),
    };

    private static byte[] Base64(JsonElement value, string path)
    {
        // proto3 JSON accepts standard and URL-safe base64, padded or not.
        var text = value.ValueKind == JsonValueKind.String ? value.GetString()!.Replace('-', '+').Replace('_', '/') : null;
        var padded = text?.PadRight(text.Length + (4 - text.Length % 4) % 4, '=');
        var bytes = new byte[padded?.Length ?? 0];
        return padded is not null && Convert.TryFromBase64String(padded, bytes, out var written)
            ? bytes[..written]
            : throw Wrong(path, "a base64 string");
    }

    private static int StatusCode(JsonElement status, string path) => Field(status, "code") switch
    {
        null => 0,
        { ValueKind: JsonValueKind.Number } code when code.TryGetInt32(out var n) => n,
        { ValueKind: JsonValueKind.String } code => code.GetString() switch
        {
            "STATUS_CODE_UNSET" => 0,
            "STATUS_CODE_OK" => 1,
            "STATUS_CODE_ERROR" => 2,
            _ => throw Wrong($"{path}.code", "a status code (0, 1, 2 or its STATUS_CODE_ name)"),
        },
        _ => throw Wrong($"{path}.code", "a status code (0, 1, 2 or its STATUS_CODE_ name)"),
    };

    /// <summary>A field's value; absent and null are the same (the field's default).</summary>
    private static JsonElement? Field(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static string At(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private static ApiException Wrong(string path, string expected) => ApiException.BadRequest($"{path}: must be {expected}");
}
