using System.Text.Json;

namespace Braid.Server.Functions.Scorers;

/// <summary>
/// autoevals' <c>ExactMatch</c>: 1 when the two values are the same once normalized, else 0. Objects, arrays and
/// null compare as their <c>JSON.stringify</c> text; when either side is one of those, a string that parses as JSON
/// is re-serialized first (so <c>'{"a": 1}'</c> matches <c>{"a":1}</c>); anything else compares as <c>`${value}`</c>
/// (so <c>"1"</c> matches <c>1</c>). A missing value counts as null.
/// </summary>
public static class ExactMatch
{
    public const string Name = "ExactMatch";

    public static ScoreResult Score(ScorerArgs args)
    {
        var output = new JsArg(args.Output, args.HasOutput);
        var expected = new JsArg(args.Expected, args.HasExpected);
        var maybeObject = NeedsJson(output) || NeedsJson(expected);
        var same = Normalize(output, maybeObject) == Normalize(expected, maybeObject);
        return new ScoreResult(Name, same ? 1 : 0);
    }

    // `typeof value === "object"`: true for null, objects and arrays; false for undefined.
    private static bool NeedsJson(JsArg value) => value.Defined && JsSemantics.Kind(value.Node) is JsonValueKind.Null or JsonValueKind.Object or JsonValueKind.Array;

    private static string Normalize(JsArg value, bool maybeObject)
    {
        var node = value.Node; // `value ?? null`: undefined becomes null
        if (JsSemantics.Kind(node) is JsonValueKind.Null or JsonValueKind.Object or JsonValueKind.Array) return JsSemantics.Stringify(node);
        if (maybeObject && JsSemantics.Kind(node) == JsonValueKind.String)
        {
            var parsed = JsSemantics.TryParseJson(node!.GetValue<string>(), out var ok);
            if (ok) return JsSemantics.Stringify(parsed);
        }
        return JsSemantics.ToJsString(new JsArg(node));
    }
}
