using System.Text.Json.Nodes;
using Braid.Server.Functions.Scorers;

namespace Braid.Server.Tests.Functions.Scorers;

public sealed class BuiltInScorersTests
{
    /// <summary>
    /// Every expected score here is what autoevals 0.3.0 (the npm package the SDK tests install) returned for the same
    /// arguments, computed once with node against tests/sdk/node_modules/autoevals; NaN stands for autoevals' NaN, which
    /// JSON carries as a null score. Keys left out of the arguments are JavaScript's undefined.
    /// </summary>
    [Theory]
    [InlineData("ExactMatch", """{"output": "abc", "expected": "abc"}""", 1.0)]
    [InlineData("ExactMatch", """{"output": "abc", "expected": "abd"}""", 0.0)]
    [InlineData("ExactMatch", """{"output": "1", "expected": 1}""", 1.0)]
    [InlineData("ExactMatch", """{"output": 1.0, "expected": "1"}""", 1.0)]
    [InlineData("ExactMatch", """{"output": "{\"a\": 1, \"b\": [1, 2]}", "expected": {"a": 1, "b": [1, 2]}}""", 1.0)]
    [InlineData("ExactMatch", """{"output": {"b": 1, "a": 2}, "expected": {"a": 2, "b": 1}}""", 0.0)]
    [InlineData("ExactMatch", """{"output": {"2": "x", "1": "y"}, "expected": "{\"1\":\"y\",\"2\":\"x\"}"}""", 1.0)]
    [InlineData("ExactMatch", """{"output": null, "expected": "null"}""", 1.0)]
    [InlineData("ExactMatch", """{"expected": null}""", 1.0)]
    [InlineData("ExactMatch", """{"output": "undefined"}""", 0.0)]
    [InlineData("ExactMatch", """{"output": [1, "a"], "expected": "[1,\"a\"]"}""", 1.0)]
    [InlineData("ExactMatch", """{"output": true, "expected": "true"}""", 1.0)]
    [InlineData("ExactMatch", """{"output": "not json", "expected": {"a": 1}}""", 0.0)]
    [InlineData("ExactMatch", """{"output": "  5 ", "expected": null}""", 0.0)]
    [InlineData("Levenshtein", """{"output": "kitten", "expected": "sitting"}""", 0.5714285714285714)]
    [InlineData("Levenshtein", """{"output": "", "expected": ""}""", 1.0)]
    [InlineData("Levenshtein", """{"output": "abc", "expected": ""}""", 0.0)]
    [InlineData("Levenshtein", """{"output": "flaw", "expected": "lawn"}""", 0.5)]
    [InlineData("Levenshtein", """{"output": "héllo wörld", "expected": "hello world"}""", 0.8181818181818181)]
    [InlineData("Levenshtein", """{"output": "😀a", "expected": "a"}""", 0.33333333333333337)]
    [InlineData("Levenshtein", """{"output": 1.5, "expected": "1.50"}""", 0.75)]
    [InlineData("Levenshtein", """{"output": null, "expected": "null"}""", 1.0)]
    [InlineData("Levenshtein", """{"expected": "undefined"}""", 1.0)]
    [InlineData("Levenshtein", """{"output": [1, [2, null], "x"], "expected": "1,2,,x"}""", 1.0)]
    [InlineData("Levenshtein", """{"output": {"a": 1}, "expected": "[object Object]"}""", 1.0)]
    [InlineData("Levenshtein", """{"output": 1e21, "expected": "1e+21"}""", 1.0)]
    [InlineData("Levenshtein", """{"output": 0.000001, "expected": "1e-7"}""", 0.0)]
    [InlineData("Levenshtein", """{"output": "The quick brown fox", "expected": "The quick brown fix jumps"}""", 0.72)]
    [InlineData("NumericDiff", """{"output": 5, "expected": 5}""", 1.0)]
    [InlineData("NumericDiff", """{"output": 0, "expected": 0}""", 1.0)]
    [InlineData("NumericDiff", """{"output": 1, "expected": 2}""", 0.6666666666666667)]
    [InlineData("NumericDiff", """{"output": -3, "expected": 3}""", 0.0)]
    [InlineData("NumericDiff", """{"output": 0, "expected": 10}""", 0.0)]
    [InlineData("NumericDiff", """{"output": 0.1, "expected": 0.3}""", 0.5)]
    [InlineData("NumericDiff", """{"output": "5", "expected": 4}""", 0.8888888888888888)]
    [InlineData("NumericDiff", """{"output": null, "expected": 2}""", 0.0)]
    [InlineData("NumericDiff", """{"output": "0", "expected": 0}""", double.NaN)]
    [InlineData("NumericDiff", """{"output": "abc", "expected": 1}""", double.NaN)]
    [InlineData("NumericDiff", """{"output": [7], "expected": 8}""", 0.9333333333333333)]
    [InlineData("NumericDiff", """{"output": true, "expected": 2}""", 0.6666666666666667)]
    [InlineData("NumericDiff", """{"output": " 0x10 ", "expected": 16}""", 1.0)]
    [InlineData("NumericDiff", """{"expected": 1}""", double.NaN)]
    [InlineData("NumericDiff", """{"output": 1e300, "expected": -1e300}""", 0.0)]
    [InlineData("JSONDiff", """{"output": {"a": 1, "b": "hello"}, "expected": {"a": 1, "b": "hello"}}""", 1.0)]
    [InlineData("JSONDiff", """{"output": {"a": 1, "b": "hello"}, "expected": {"a": 2, "b": "help"}}""", 0.6333333333333333)]
    [InlineData("JSONDiff", """{"output": {"a": 1}, "expected": {"b": 1}}""", 0.0)]
    [InlineData("JSONDiff", """{"output": {}, "expected": {}}""", 1.0)]
    [InlineData("JSONDiff", """{"output": [], "expected": []}""", 1.0)]
    [InlineData("JSONDiff", """{"output": [1, 2, 3], "expected": [1, 2]}""", 0.6666666666666666)]
    [InlineData("JSONDiff", """{"output": "{\"x\": [1, {\"y\": \"z\"}]}", "expected": {"x": [1, {"y": "zz"}]}}""", 0.75)]
    [InlineData("JSONDiff", """{"output": {"a": null}, "expected": {}}""", 1.0)]
    [InlineData("JSONDiff", """{"output": {"a": null}, "expected": {"a": 0}}""", 0.0)]
    [InlineData("JSONDiff", """{"output": {"n": 3, "s": "x"}, "expected": {"n": "3", "s": 1}}""", 0.16666666666666669)]
    [InlineData("JSONDiff", """{"output": {"a": {"c": 1, "b": 2}}, "expected": {"a": [1, 2]}}""", 0.07692307692307687)]
    [InlineData("JSONDiff", """{"output": true, "expected": false}""", 0.19999999999999996)]
    [InlineData("JSONDiff", """{"output": "plain", "expected": "plane"}""", 0.6)]
    [InlineData("JSONDiff", """{"output": "5", "expected": 5}""", 0.33333333333333337)]
    [InlineData("JSONDiff", """{"output": {"10": 1, "9": 2, "b": 3, "a": "x"}, "expected": {"a": "y", "9": 2, "c": 4}}""", 0.2)]
    [InlineData("JSONDiff", """{"output": [{"name": "alice", "age": 30}, {"name": "bob", "age": 25}], "expected": [{"name": "alice", "age": 31}, {"name": "rob", "age": 25}]}""", 0.912568306010929)]
    [InlineData("JSONDiff", """{"output": {"v": "0"}, "expected": {"v": 0}}""", 0.33333333333333337)]
    [InlineData("JSONDiff", """{"expected": null}""", 1.0)]
    [InlineData("JSONDiff", """{"output": [1], "expected": {"0": 1}}""", 0.1428571428571429)]
    [InlineData("JSONDiff", """{"output": 0.1, "expected": 0.30000000000000004}""", 0.4999999999999999)]
    public void Score_MatchesAutoevals(string scorer, string args, double expected)
    {
        Assert.True(BuiltInScorers.TryGet(scorer, out var builtIn));
        var result = builtIn.Score(ScorerArgs.FromJson(JsonNode.Parse(args)));
        Assert.Equal(scorer, result.Name);
        if (double.IsNaN(expected)) Assert.Null(result.Score);
        else Assert.Equal(expected, result.Score);
    }

    [Theory]
    [InlineData("Levenshtein", """{"output": "abc"}""", "LevenshteinScorer requires an expected value")]
    [InlineData("NumericDiff", """{"output": 1}""", "NumericDiff requires an expected value")]
    public void MissingExpected_IsRefusedWithAutoevalsMessage(string scorer, string args, string message)
    {
        Assert.True(BuiltInScorers.TryGet(scorer, out var builtIn));
        var error = Assert.Throws<ScorerException>(() => builtIn.Score(ScorerArgs.FromJson(JsonNode.Parse(args))));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Lookup_UsesAutoevalsNames_CaseSensitively()
    {
        Assert.Equal(["ExactMatch", "Levenshtein", "NumericDiff", "JSONDiff"], BuiltInScorers.All.Select(s => s.Name));
        Assert.True(BuiltInScorers.TryGet("LevenshteinScorer", out var alias));
        Assert.Equal("Levenshtein", alias.Name);
        Assert.False(BuiltInScorers.TryGet("levenshtein", out _));
        Assert.False(BuiltInScorers.TryGet("Factuality", out _));
    }

    [Fact]
    public void Result_AsJson_HasNameAndScore()
    {
        Assert.True(BuiltInScorers.TryGet("NumericDiff", out var numeric));
        var json = numeric.Score(ScorerArgs.FromJson(JsonNode.Parse("""{"input": "q", "output": 1, "expected": 2, "metadata": {}}"""))).ToJson();
        Assert.Equal("""{"name":"NumericDiff","score":0.6666666666666667}""", json.ToJsonString());
        var nan = numeric.Score(ScorerArgs.FromJson(JsonNode.Parse("""{"output": "x", "expected": 2}"""))).ToJson();
        Assert.Equal("""{"name":"NumericDiff","score":null}""", nan.ToJsonString());
    }

    [Fact]
    public void ArgumentsThatAreNotAnObject_AreRefused()
    {
        Assert.Throws<ScorerException>(() => ScorerArgs.FromJson(JsonNode.Parse("[1, 2]")));
        Assert.Throws<ScorerException>(() => ScorerArgs.FromJson(null));
    }

    [Fact]
    public void TextsTooLongToCompare_AreRefused_NotComputedForMinutes()
    {
        var args = new JsonObject { ["output"] = new string('a', 20_000), ["expected"] = new string('b', 20_000) };
        Assert.True(BuiltInScorers.TryGet("Levenshtein", out var levenshtein));
        Assert.Throws<ScorerException>(() => levenshtein.Score(ScorerArgs.FromJson(args)));
        // Long texts that differ only in a short stretch cost little: common prefixes and suffixes are dropped first.
        args = new JsonObject { ["output"] = new string('a', 200_000) + "x", ["expected"] = new string('a', 200_000) + "yz" };
        Assert.Equal(1 - 2.0 / 200_002, levenshtein.Score(ScorerArgs.FromJson(args)).Score);
    }
}
