using System.Text.Json;
using System.Text.Json.Nodes;

namespace Braid.Server.Functions;

/// <summary>A scorer's answer read as the SDK's Eval reads it, into a span's <c>scores</c>.</summary>
public static class ScoreResults
{
    /// <summary>Adds the scores a result holds: a number or boolean (named after the scorer), <c>{name?, score, metadata?}</c>, a list of those; null adds none.</summary>
    public static void Add(JsonObject scores, string scorerName, JsonNode? result)
    {
        switch (result)
        {
            case JsonValue v when v.GetValueKind() == JsonValueKind.Number:
                scores[scorerName] = v.DeepClone();
                break;
            case JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                scores[scorerName] = v.GetValue<bool>() ? 1 : 0;
                break;
            case JsonObject o when o.ContainsKey("score"):
                scores[(string?)(o["name"] as JsonValue) ?? scorerName] = o["score"]?.DeepClone();
                break;
            case JsonArray many:
                foreach (var item in many)
                {
                    Add(scores, scorerName, item);
                }

                break;
        }
    }
}
