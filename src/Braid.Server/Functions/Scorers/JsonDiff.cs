using System.Text.Json;
using System.Text.Json.Nodes;

namespace Braid.Server.Functions.Scorers;

/// <summary>
/// autoevals' <c>JSONDiff</c> with its default scorers: a structural comparison. Strings that hold a JSON object
/// or array are parsed first. Objects score the mean over the union of their keys; arrays the sum over common
/// positions divided by the longer length; strings by <see cref="Levenshtein"/>, numbers by
/// <see cref="NumericDiff"/>; null and missing match each other (1) and nothing else (0); any other pair compares
/// its <c>JSON.stringify</c> texts (keys sorted) by Levenshtein.
/// </summary>
public static class JsonDiff
{
    public const string Name = "JSONDiff";

    private const long MaxCells = 100_000_000;

    public static ScoreResult Score(ScorerArgs args)
    {
        var budget = new WorkBudget(MaxCells);
        var score = Diff(args.HasOutput ? args.Output : null, args.HasExpected ? args.Expected : null, budget);
        return new ScoreResult(Name, double.IsNaN(score) ? null : score);
    }

    private static double Diff(JsonNode? a, JsonNode? b, WorkBudget budget)
    {
        a = ParseIfStructured(a);
        b = ParseIfStructured(b);
        var (ka, kb) = (JsSemantics.Kind(a), JsSemantics.Kind(b));
        if (ka == JsonValueKind.Object && kb == JsonValueKind.Object)
        {
            var (oa, ob) = (a!.AsObject(), b!.AsObject());
            if (oa.Count == 0 && ob.Count == 0) return 1;
            // Object.keys of the merged key set: JavaScript's key order, which fixes the order of the sum.
            var union = new JsonObject();
            foreach (var key in JsSemantics.Keys(oa).Concat(JsSemantics.Keys(ob))) union[key] = true;
            var keys = JsSemantics.Keys(union);
            var sum = 0.0;
            foreach (var key in keys) sum += Diff(oa[key], ob[key], budget);
            return sum / keys.Count;
        }
        if (ka == JsonValueKind.Array && kb == JsonValueKind.Array)
        {
            var (xa, xb) = (a!.AsArray(), b!.AsArray());
            if (xa.Count == 0 && xb.Count == 0) return 1;
            var sum = 0.0;
            for (var i = 0; i < Math.Min(xa.Count, xb.Count); i++) sum += Diff(xa[i], xb[i], budget);
            return sum / Math.Max(xa.Count, xb.Count);
        }
        if (ka == JsonValueKind.String && kb == JsonValueKind.String)
        {
            return Levenshtein.Similarity(a!.GetValue<string>(), b!.GetValue<string>(), budget);
        }
        if (ka == JsonValueKind.Number && kb == JsonValueKind.Number)
        {
            return NumericDiff.Compute(new JsArg(a), new JsArg(b));
        }
        if (ka == JsonValueKind.Null && kb == JsonValueKind.Null) return 1;
        if (ka == JsonValueKind.Null || kb == JsonValueKind.Null) return 0;
        return Levenshtein.Similarity(JsSemantics.Stringify(a, sortKeys: true), JsSemantics.Stringify(b, sortKeys: true), budget);
    }

    /// <summary>A string holding a JSON object or array becomes that value (autoevals' <c>validJSON</c> check).</summary>
    private static JsonNode? ParseIfStructured(JsonNode? node)
    {
        if (JsSemantics.Kind(node) != JsonValueKind.String) return node;
        var parsed = JsSemantics.TryParseJson(node!.GetValue<string>(), out var ok);
        return ok && JsSemantics.Kind(parsed) is JsonValueKind.Object or JsonValueKind.Array ? parsed : node;
    }
}
