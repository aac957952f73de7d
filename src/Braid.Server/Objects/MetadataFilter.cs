using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Server.Http;

namespace Braid.Server.Objects;

/// <summary>
/// The <c>metadata</c> list filter: a JSON object whose every leaf must equal the object's metadata at the
/// same path. Nested objects are paths (<c>{"model":{"name":"gpt-4o"}}</c> matches <c>metadata.model.name</c>);
/// arrays and scalars compare whole.
/// </summary>
public sealed class MetadataFilter(JsonObject filter)
{
    public static MetadataFilter? Parse(string? text)
    {
        if (text is null)
        {
            return null;
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"metadata: not valid JSON: {e.Message}");
        }

        return node is JsonObject filter
            ? new MetadataFilter(filter)
            : throw ApiException.BadRequest($"metadata: must be a JSON object, not {JsonBody.Describe(node)}");
    }

    public bool Matches(JsonNode? metadata) => Matches(filter, metadata);

    private static bool Matches(JsonObject expected, JsonNode? actual)
    {
        foreach (var (key, value) in expected)
        {
            var actualValue = actual is JsonObject o && o.TryGetPropertyValue(key, out var v) ? v : null;
            var found = actual is JsonObject obj && obj.ContainsKey(key);
            if (value is JsonObject nested && nested.Count > 0)
            {
                if (!Matches(nested, actualValue))
                {
                    return false;
                }
            }
            else if (!found || !JsonNode.DeepEquals(value, actualValue))
            {
                return false;
            }
        }

        return true;
    }
}
