using System.Text.Json;
using System.Text.Json.Nodes;

namespace Braid.Server.Functions;

/// <summary>What scorers are given, and their answers read as the SDK's Eval reads them into a span's <c>scores</c>.</summary>
public static class ScoreResults
{
    /// <summary>A scorer's argument: <c>{input, output, expected, metadata}</c>, each a copy.</summary>
    public static JsonObject Arguments(JsonNode? input, JsonNode? output, JsonNode? expected, JsonNode? metadata) => new()
    {
        ["input"] = input?.DeepClone(),
        ["output"] = output?.DeepClone(),
        ["expected"] = expected?.DeepClone(),
        ["metadata"] = metadata?.DeepClone(),
    };

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
