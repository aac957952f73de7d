using System.Text.Json;
using System.Text.Json.Nodes;

namespace Braid.Server.Http;

/// <summary>Reads request bodies as JSON within the configured size limit; any content type is accepted (curl -d).</summary>
public static class JsonBody
{
    public static async Task<JsonObject> ReadObjectAsync(HttpContext context) => (await ReadSizedObjectAsync(context)).Body;

    /// <summary>The body as a JSON object, and its size in bytes.</summary>
    public static async Task<(JsonObject Body, long Bytes)> ReadSizedObjectAsync(HttpContext context)
    {
        var (node, bytes) = await ReadAsync(context);
        if (node is null)
        {
            throw ApiException.BadRequest("request body must be a JSON object, not null");
        }

        return node is JsonObject body ? (body, bytes) : throw ApiException.BadRequest($"request body must be a JSON object, not {Describe(node)}");
    }

    /// <summary>The body as any JSON value (a 400 when empty or not JSON), and its size in bytes.</summary>
    public static async Task<(JsonNode? Node, long Bytes)> ReadAsync(HttpContext context)
    {
        var body = await RequestBody.ReadAsync(context);
        if (body.Count == 0)
        {
            throw ApiException.BadRequest("request body is required (a JSON object)");
        }

        try
        {
            return (JsonNode.Parse(body.AsSpan()), body.Count);
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"request body is not valid JSON: {e.Message}");
        }
    }

    /// <summary>The node's text when it is a JSON string, else null: stored documents and log rows hold whatever callers sent.</summary>
    public static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;

    /// <summary>A JSON number as a double, or null for anything else; parsed documents and values set from C# numbers alike.</summary>
    public static double? Number(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        JsonValue v when v.TryGetValue<decimal>(out var m) => (double)m,
        _ => null,
    };

    public static string Describe(JsonNode? node) => node?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        _ => "a boolean",
    };
}
