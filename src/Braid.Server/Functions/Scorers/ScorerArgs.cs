using System.Text.Json.Nodes;

namespace Braid.Server.Functions.Scorers;

/// <summary>
/// What a scorer is called with: Braintrust's <c>{input, output, expected, metadata}</c>. autoevals is JavaScript,
/// where a left-out argument (<c>undefined</c>) differs from <c>null</c> (Levenshtein compares the text
/// <c>"null"</c> but refuses a missing expected value), so whether output and expected were given is kept.
/// </summary>
public sealed record ScorerArgs(JsonNode? Input, JsonNode? Output, JsonNode? Expected, JsonNode? Metadata)
{
    public bool HasOutput { get; init; } = true;
    public bool HasExpected { get; init; } = true;

    /// <summary>Reads an invoke input object; keys it leaves out stay undefined.</summary>
    /// <exception cref="ScorerException">The arguments are not a JSON object.</exception>
    public static ScorerArgs FromJson(JsonNode? args)
    {
        if (args is not JsonObject o) throw new ScorerException("A scorer's input must be an object with output and expected (and optionally input and metadata).");
        var hasOutput = o.TryGetPropertyValue("output", out var output);
        var hasExpected = o.TryGetPropertyValue("expected", out var expected);
        return new ScorerArgs(o["input"], output, expected, o["metadata"]) { HasOutput = hasOutput, HasExpected = hasExpected };
    }
}

/// <summary>A scorer's verdict, as autoevals returns it. <see cref="Score"/> is in [0, 1], or null where autoevals
/// computes NaN (NumericDiff of non-numbers), which JSON writes as null.</summary>
public sealed record ScoreResult(string Name, double? Score, JsonObject? Metadata = null)
{
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["name"] = Name, ["score"] = Score };
        if (Metadata is not null) json["metadata"] = Metadata.DeepClone();
        return json;
    }
}

/// <summary>The arguments cannot be scored (autoevals throws for these too): a 400 for an HTTP caller.</summary>
public sealed class ScorerException(string message) : Exception(message);
