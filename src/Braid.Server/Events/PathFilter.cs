using System.Text.Json.Nodes;
using Braid.Server.Http;

namespace Braid.Server.Events;

/// <summary>
/// The legacy fetch <c>filters</c> (<c>[{"type":"path_lookup","path":["metadata","a"],"value":1}]</c>), which the
/// spec dropped but older clients still send: each keeps only rows whose value at the path equals the given one.
/// </summary>
public sealed class PathFilter(IReadOnlyList<(string[] Path, JsonNode? Value)> lookups)
{
    public static PathFilter? Parse(JsonNode? filters)
    {
        if (filters is null)
        {
            return null;
        }

        if (filters is not JsonArray list)
        {
            throw ApiException.BadRequest("filters: must be an array of {type: \"path_lookup\", path, value}");
        }

        var lookups = new List<(string[], JsonNode?)>();
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is not JsonObject f || (string?)f["type"] != "path_lookup" || f["path"] is not JsonArray path ||
                path.Any(p => p is not JsonValue) || !f.ContainsKey("value"))
            {
                throw ApiException.BadRequest($"filters[{i}]: must be {{\"type\": \"path_lookup\", \"path\": [..], \"value\": ..}}");
            }

            lookups.Add((path.Select(p => p!.ToString()).ToArray(), f["value"]));
        }

        return new PathFilter(lookups);
    }

    public bool Matches(string rowJson)
    {
        var row = JsonNode.Parse(rowJson);
        foreach (var (path, value) in lookups)
        {
            var node = row;
            foreach (var key in path)
            {
                node = node is JsonObject o ? o[key] : null;
            }

            if (!JsonNode.DeepEquals(node, value))
            {
                return false;
            }
        }

        return true;
    }
}
